// reassembly/reassembly_limits.h — the per-flow memory and plausibility limits.
//
// Owns: ReassemblyLimits. Every bound the reassembler enforces is a field here, so an
// administrator can see and tune all of them in one place.
// May call: nothing.
#pragma once

#include <cstdint>

namespace sluice::reassembly {

struct ReassemblyLimits {
  // Per direction: bytes held out of order. This is the per-flow memory limit; the store
  // is allocated at this size once, when the flow object is built.
  uint32_t max_ooo_bytes = 256 * 1024;
  // Per direction: separate held intervals (bounds the interval list and its scan time).
  uint32_t max_ooo_segments = 128;
  // Segments starting further than this before or after RCV.NXT are dropped as bogus.
  // Clamped to 2^30 so that every sequence comparison stays unambiguous (see seq.h).
  uint32_t max_window_ahead = 4u << 20;
  // Per direction: recently delivered bytes kept to compare retransmissions against, so a
  // changed retransmission (THREATS TCP-2) is detected and counted. 0 turns it off.
  uint32_t max_history_bytes = 64 * 1024;
};

}  // namespace sluice::reassembly
