// tests/unit/dataplane/frame_test_util.h — helpers for the L2/L3 service tests: hex bytes, and checksum checks
// written independently of dataplane/checksum.h (a whole pseudo-header + message buffer, summed word by word
// with the end-around carry taken modulo 0xffff), so the code under test is not checked against itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::dataplane::test {

using Bytes = std::vector<uint8_t>;

inline Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

inline std::string to_hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

// One's-complement sum of the buffer (odd length padded with a zero byte), as 0..0xffff with 0xffff = "-0".
inline uint32_t reference_ones_sum(Bytes data) {
  if (data.size() % 2) data.push_back(0);
  uint64_t total = 0;
  for (size_t i = 0; i < data.size(); i += 2) total += static_cast<uint64_t>(data[i]) * 256 + data[i + 1];
  if (total == 0) return 0;
  const uint64_t r = total % 0xffff;
  return r == 0 ? 0xffff : static_cast<uint32_t>(r);
}

// True when a header/message that contains its own checksum verifies.
inline bool reference_verifies(const Bytes& data) { return reference_ones_sum(data) == 0xffff; }

struct Offsets {
  size_t l3 = 0;
  bool v6 = false;
  size_t l4 = 0;
  size_t l4_len = 0;
  uint8_t proto = 0;
};

// Plain walk (no extension headers): Ethernet, up to two tags, IPv4 or IPv6.
inline Offsets offsets_of(const Bytes& f) {
  Offsets o;
  size_t at = 12;
  while (f[at] == 0x81 || (f[at] == 0x88 && f[at + 1] == 0xa8)) at += 4;
  o.l3 = at + 2;
  o.v6 = f[at] == 0x86;
  if (o.v6) {
    o.l4 = o.l3 + 40;
    o.l4_len = f[o.l3 + 4] * 256u + f[o.l3 + 5];
    o.proto = f[o.l3 + 6];
  } else {
    const size_t ihl = (f[o.l3] & 15u) * 4;
    o.l4 = o.l3 + ihl;
    o.l4_len = f[o.l3 + 2] * 256u + f[o.l3 + 3] - ihl;
    o.proto = f[o.l3 + 9];
  }
  return o;
}

inline bool ipv4_header_verifies(const Bytes& f) {
  const Offsets o = offsets_of(f);
  return reference_verifies(Bytes(f.begin() + o.l3, f.begin() + o.l4));
}

// The L4 checksum (TCP, ICMPv6: with pseudo-header; ICMPv4: without) of a frame verifies.
inline bool l4_verifies(const Bytes& f) {
  const Offsets o = offsets_of(f);
  Bytes all;
  if (o.proto != 1) {
    if (o.v6) {
      all.insert(all.end(), f.begin() + o.l3 + 8, f.begin() + o.l3 + 40);
      all.insert(all.end(), {0, 0, static_cast<uint8_t>(o.l4_len >> 8), static_cast<uint8_t>(o.l4_len), 0, 0, 0,
                             o.proto});
    } else {
      all.insert(all.end(), f.begin() + o.l3 + 12, f.begin() + o.l3 + 20);
      all.insert(all.end(), {0, o.proto, static_cast<uint8_t>(o.l4_len >> 8), static_cast<uint8_t>(o.l4_len)});
    }
  }
  all.insert(all.end(), f.begin() + o.l4, f.begin() + o.l4 + o.l4_len);
  return reference_verifies(all);
}

}  // namespace sluice::dataplane::test
