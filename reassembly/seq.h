// reassembly/seq.h — TCP sequence-number arithmetic (RFC 9293 §3.4).
//
// Owns: comparisons of 32-bit sequence numbers modulo 2^32. Two numbers are compared by
// the sign of their 32-bit difference, which is correct while they lie less than 2^31
// apart (RFC 9293 §3.4: "arithmetic ... must be performed modulo 2**32"). Callers keep
// their windows far below 2^31 so every comparison they make is unambiguous.
// May call: nothing (header-only, constexpr). Shared by the passive flow and the live
// endpoint.
#pragma once

#include <cstdint>

namespace sluice::reassembly {

// Signed distance from b to a: positive when a is after b. C++20 defines the unsigned to
// signed conversion as modular, so this is the RFC's "a - b" without undefined behaviour.
constexpr int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

constexpr bool seq_lt(uint32_t a, uint32_t b) { return seq_diff(a, b) < 0; }
constexpr bool seq_leq(uint32_t a, uint32_t b) { return seq_diff(a, b) <= 0; }
constexpr bool seq_gt(uint32_t a, uint32_t b) { return seq_diff(a, b) > 0; }
constexpr bool seq_geq(uint32_t a, uint32_t b) { return seq_diff(a, b) >= 0; }

// True when seq lies in [start, start + size): the RFC 9293 §3.4 acceptability test
// "RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND". Unsigned subtraction makes it wrap-safe.
constexpr bool in_window(uint32_t seq, uint32_t start, uint32_t size) {
  return seq - start < size;
}

}  // namespace sluice::reassembly
