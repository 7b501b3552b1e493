// dataplane/frame_layout.h — where each layer of a frame starts, for the code that answers or rewrites frames
// (ARP, ICMP echo, NDP, NAT, RST). packet_parser gives values; this gives offsets.
//
// Owns: the walk over Ethernet, 802.1Q/802.1ad (two tags), ARP, IPv4 and IPv6 (hop-by-hop, routing and
// destination options headers) to the L4 header, with every length checked before it is read.
// Calls: nothing. No DPDK, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::dataplane {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88A8;
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr size_t kEthernetHeaderLen = 14;
inline constexpr size_t kVlanTagLen = 4;
// Ethernet minimum frame without the FCS; shorter frames are padded with zeroes by the builders.
inline constexpr size_t kMinFrameLen = 60;

enum class FrameKind : uint8_t {
  Arp,        // l3 is an ARP packet of at least 28 bytes (Ethernet/IPv4 ARP)
  Ipv4,       // l3 is an IPv4 header (checked), l4 the first fragment's payload
  Ipv6,       // l3 is an IPv6 header, l4 after the extension headers walked
  Other,      // another EtherType
  Malformed,  // truncated or inconsistent headers
};

struct FrameLayout {
  FrameKind kind = FrameKind::Other;
  uint16_t ether_type = 0;  // after the VLAN tags
  uint16_t vlan = 0;        // outermost VLAN id, 0 = untagged
  size_t l3_offset = 0;     // Ethernet header + tags
  size_t l3_header_len = 0; // IPv4 IHL*4; IPv6 40 + extension headers; ARP 28
  size_t l4_offset = 0;     // l3_offset + l3_header_len
  size_t l4_len = 0;        // from the IP length fields, never the frame length (FCS trailers exist)
  uint8_t l4_protocol = 0;  // IPv4 protocol / IPv6 last next-header
  bool fragment = false;    // IPv4 MF or offset, or an IPv6 fragment header: l4 is not a whole L4 header

  size_t ip_end() const { return l4_offset + l4_len; }
};

// Fills `out` from the frame; returns out.kind.
FrameKind locate_layers(const uint8_t* frame, size_t len, FrameLayout& out);

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace sluice::dataplane
