// reassembly/syn_cookie.cc — SipHash-2-4 and the cookie layout.
#include "reassembly/syn_cookie.h"

#include <cstring>

namespace sluice::reassembly {
namespace {

uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void sip_round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
  v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
}

constexpr uint32_t kHashBits = 25, kMssBits = 2, kCounterShift = 27;
constexpr uint32_t kHashMask = (1u << kHashBits) - 1;

}  // namespace

uint64_t siphash24(const uint8_t key[16], const uint8_t* data, uint32_t length) {
  const uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
  uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
  const uint32_t whole = length & ~7u;
  for (uint32_t i = 0; i < whole; i += 8) {
    const uint64_t m = load_le64(data + i);
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t last = uint64_t{length & 0xFF} << 56;
  for (uint32_t i = 0; i < (length & 7u); ++i) last |= uint64_t{data[whole + i]} << (8 * i);
  v3 ^= last;
  sip_round(v0, v1, v2, v3);
  sip_round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i) sip_round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

SynCookies::SynCookies(const uint8_t key[16], uint64_t period_ns)
    : period_ns_(period_ns == 0 ? kDefaultPeriodNs : period_ns) {
  std::memcpy(key_, key, sizeof key_);
}

uint32_t SynCookies::hash_bits(const CookieTuple& tuple, uint32_t client_isn, uint64_t counter,
                               uint32_t mss_index) const {
  // Fixed little-endian layout so the hash does not depend on struct padding.
  uint8_t message[16 + 16 + 2 + 2 + 4 + 8 + 1];
  uint8_t* p = message;
  std::memcpy(p, tuple.client_addr, 16); p += 16;
  std::memcpy(p, tuple.server_addr, 16); p += 16;
  *p++ = static_cast<uint8_t>(tuple.client_port); *p++ = static_cast<uint8_t>(tuple.client_port >> 8);
  *p++ = static_cast<uint8_t>(tuple.server_port); *p++ = static_cast<uint8_t>(tuple.server_port >> 8);
  for (int i = 0; i < 4; ++i) *p++ = static_cast<uint8_t>(client_isn >> (8 * i));
  for (int i = 0; i < 8; ++i) *p++ = static_cast<uint8_t>(counter >> (8 * i));
  *p++ = static_cast<uint8_t>(mss_index);
  return static_cast<uint32_t>(siphash24(key_, message, sizeof message)) & kHashMask;
}

uint32_t SynCookies::make(const CookieTuple& tuple, uint32_t client_isn, uint16_t peer_mss, uint64_t now_ns) const {
  uint32_t index = 0;
  for (uint32_t i = 0; i < 4; ++i)
    if (kMssTable[i] <= peer_mss) index = i;
  const uint64_t counter = now_ns / period_ns_;
  return static_cast<uint32_t>(counter % 32) << kCounterShift |
         hash_bits(tuple, client_isn, counter, index) << kMssBits | index;
}

bool SynCookies::check(const CookieTuple& tuple, uint32_t client_isn, uint32_t ack_minus_one, uint64_t now_ns,
                       uint16_t* mss) const {
  const uint64_t now_counter = now_ns / period_ns_;
  const uint32_t stamp = ack_minus_one >> kCounterShift;
  const uint32_t index = ack_minus_one & ((1u << kMssBits) - 1);
  for (uint64_t age = 0; age < 2 && age <= now_counter; ++age) {
    const uint64_t counter = now_counter - age;
    if (counter % 32 != stamp) continue;
    if (hash_bits(tuple, client_isn, counter, index) != ((ack_minus_one >> kMssBits) & kHashMask)) return false;
    *mss = kMssTable[index];
    return true;
  }
  return false;
}

}  // namespace sluice::reassembly
