// reassembly/syn_cookie.h — RFC 4987 §3.6 SYN cookies: answer a SYN without keeping state.
//
// Owns: the cookie layout and its keyed hash (SipHash-2-4, written here so reassembly/ needs
// no crypto library). Cookie bits, most significant first:
//   [31..27] counter mod 32 (the counter is now_ns / period_ns, one minute by default)
//   [26..2]  25 bits of SipHash(key; 4-tuple, client ISN, counter, MSS index)
//   [1..0]   index of the peer's MSS in kMssTable (the largest entry not above it)
// A cookie checks for the counter period it was made in and the one after, so it lives
// between one and two periods. May call: nothing.
#pragma once

#include <cstdint>

namespace sluice::reassembly {

struct CookieTuple {
  uint8_t client_addr[16], server_addr[16];  // IPv4 as IPv4-mapped IPv6, or zero-padded
  uint16_t client_port, server_port;
};

// SipHash-2-4 (Aumasson, Bernstein 2012) of bytes under a 128-bit key.
uint64_t siphash24(const uint8_t key[16], const uint8_t* data, uint32_t length);

class SynCookies {
 public:
  // MSS values a cookie can carry (RFC 4987 leaves the table to the implementation).
  static constexpr uint16_t kMssTable[4] = {536, 1220, 1440, 1460};
  static constexpr uint64_t kDefaultPeriodNs = 60'000'000'000ull;  // the "minute counter"

  explicit SynCookies(const uint8_t key[16], uint64_t period_ns = kDefaultPeriodNs);

  // The ISS for the SYN-ACK; the MSS encoded is the largest table entry <= peer_mss
  // (536 when peer_mss is smaller).
  uint32_t make(const CookieTuple& tuple, uint32_t client_isn, uint16_t peer_mss, uint64_t now_ns) const;
  // ack_minus_one = ACK.ack - 1; returns false if invalid or older than 2 counter periods;
  // *mss = decoded MSS.
  bool check(const CookieTuple& tuple, uint32_t client_isn /* = ACK.seq - 1 */, uint32_t ack_minus_one,
             uint64_t now_ns, uint16_t* mss) const;

 private:
  uint32_t hash_bits(const CookieTuple& tuple, uint32_t client_isn, uint64_t counter, uint32_t mss_index) const;

  uint8_t key_[16];
  uint64_t period_ns_;
};

}  // namespace sluice::reassembly
