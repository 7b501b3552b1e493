// tests/adversarial/tcp/crafted_frames.h — what an evader does to a well-formed frame before sending it: a wrong
// TCP or IPv4 header checksum, another TTL, or the IP datagram cut into fragments (IPv4 or IPv6, any offsets,
// overlapping or not, in any order).
//
// Owns: byte surgery on frames that tests/component/ring_appliance.h's tcp_frame() built (Ethernet without VLAN
// tags, an IPv4 header without options or an IPv6 header without extension headers). Every field the surgery
// leaves valid is recomputed, so a test changes exactly the one thing it means to.
// May call: dataplane/checksum.h. Header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/checksum.h"

namespace sluice::testing {

inline constexpr size_t kEthernetLen = 14;
inline constexpr size_t kIpv4HeaderLen = 20;   // tcp_frame() writes no IPv4 options
inline constexpr size_t kIpv6HeaderLen = 40;
inline constexpr size_t kIpv6FragmentHeaderLen = 8;
inline constexpr uint8_t kIpv6NextFragment = 44;

inline bool is_ipv4_frame(const std::vector<uint8_t>& frame) {
  return frame.size() > kEthernetLen + kIpv4HeaderLen && frame[12] == 0x08 && frame[13] == 0x00;
}

inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// Recomputes the IPv4 header checksum after a header field changed.
inline void refresh_ipv4_header_checksum(std::vector<uint8_t>& frame) {
  uint8_t* ip = frame.data() + kEthernetLen;
  store_be16(ip + 10, 0);
  store_be16(ip + 10, dataplane::internet_checksum(ip, kIpv4HeaderLen));
}

// The TCP checksum no longer matches (every other byte as sent). IPv4 or IPv6.
inline std::vector<uint8_t> with_bad_tcp_checksum(std::vector<uint8_t> frame) {
  const size_t l4 = kEthernetLen + (is_ipv4_frame(frame) ? kIpv4HeaderLen : kIpv6HeaderLen);
  frame[l4 + 16] ^= 0x5a;
  return frame;
}

// The IPv4 header checksum no longer matches; the TCP checksum (which does not cover it) still does.
inline std::vector<uint8_t> with_bad_ipv4_header_checksum(std::vector<uint8_t> frame) {
  frame[kEthernetLen + 10] ^= 0x5a;
  return frame;
}

// IPv4 TTL (or IPv6 hop limit) set to `ttl`, header checksum fixed: a packet meant to expire on the way.
inline std::vector<uint8_t> with_ttl(std::vector<uint8_t> frame, uint8_t ttl) {
  if (is_ipv4_frame(frame)) {
    frame[kEthernetLen + 8] = ttl;
    refresh_ipv4_header_checksum(frame);
  } else {
    frame[kEthernetLen + 7] = ttl;
  }
  return frame;
}

// One fragment of a frame's IP payload (TCP header and data): bytes [offset, offset + length) of it, or
// `replacement` in their place when given (an overlapping fragment that disagrees). `offset` is a multiple
// of 8; `more` is the MF / M flag.
struct FragmentSpec {
  size_t offset = 0, length = 0;
  bool more = false;
  std::string_view replacement = {};
};

// The fragment as a frame: the original's Ethernet and IP headers, DF cleared (IPv4) or a Fragment header
// added (IPv6, RFC 8200 §4.5), lengths and the IPv4 header checksum recomputed, identification `id`.
inline std::vector<uint8_t> ip_fragment(const std::vector<uint8_t>& whole, const FragmentSpec& spec, uint32_t id) {
  const bool v4 = is_ipv4_frame(whole);
  const size_t length = spec.replacement.empty() ? spec.length : spec.replacement.size();
  const size_t l3_len = v4 ? kIpv4HeaderLen : kIpv6HeaderLen;
  const uint8_t* ip_payload = whole.data() + kEthernetLen + l3_len;
  std::vector<uint8_t> frame(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(kEthernetLen + l3_len));
  if (v4) {
    uint8_t* ip = frame.data() + kEthernetLen;
    store_be16(ip + 2, static_cast<uint16_t>(kIpv4HeaderLen + length));
    store_be16(ip + 4, static_cast<uint16_t>(id));
    store_be16(ip + 6, static_cast<uint16_t>((spec.more ? 0x2000 : 0) | (spec.offset / 8)));
    refresh_ipv4_header_checksum(frame);
  } else {
    uint8_t* ip = frame.data() + kEthernetLen;
    const uint8_t upper = ip[6];
    ip[6] = kIpv6NextFragment;
    store_be16(ip + 4, static_cast<uint16_t>(kIpv6FragmentHeaderLen + length));
    const uint16_t offset_and_m = static_cast<uint16_t>(((spec.offset / 8) << 3) | (spec.more ? 1 : 0));
    const uint8_t fragment_header[kIpv6FragmentHeaderLen] = {
        upper, 0, static_cast<uint8_t>(offset_and_m >> 8), static_cast<uint8_t>(offset_and_m),
        static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16), static_cast<uint8_t>(id >> 8),
        static_cast<uint8_t>(id)};
    frame.insert(frame.end(), fragment_header, fragment_header + kIpv6FragmentHeaderLen);
  }
  if (spec.replacement.empty()) {
    frame.insert(frame.end(), ip_payload + spec.offset, ip_payload + spec.offset + spec.length);
  } else {
    frame.insert(frame.end(), spec.replacement.begin(), spec.replacement.end());
  }
  return frame;
}

// Length of a frame's IP payload (what its fragments split), from the IP header: tcp_frame() pads short frames
// to Ethernet's 60 bytes.
inline size_t ip_payload_length(const std::vector<uint8_t>& whole) {
  const uint8_t* ip = whole.data() + kEthernetLen;
  if (is_ipv4_frame(whole)) return static_cast<size_t>((ip[2] << 8) | ip[3]) - kIpv4HeaderLen;
  return static_cast<size_t>((ip[4] << 8) | ip[5]);
}

}  // namespace sluice::testing
