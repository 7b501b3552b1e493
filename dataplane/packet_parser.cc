#include "dataplane/packet_parser.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstring>

namespace sluice::dataplane {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88A8;
constexpr uint8_t kProtoTcp = 6;
constexpr int kMaxVlanTags = 2;

uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

void set_ipv4_mapped(IpAddress& a, const uint8_t* v4) {
  a.fill(0);
  a[10] = 0xff;
  a[11] = 0xff;
  std::memcpy(a.data() + 12, v4, 4);
}

ParseResult parse_tcp(const uint8_t* p, size_t len, PacketView& out) {
  if (len < 20) return ParseResult::Truncated;
  const size_t header = static_cast<size_t>(p[12] >> 4) * 4;
  if (header < 20) return ParseResult::Malformed;
  if (header > len) return ParseResult::Truncated;
  out.src_port = load16(p);
  out.dst_port = load16(p + 2);
  out.seq = load32(p + 4);
  out.ack = load32(p + 8);
  out.tcp_flags = p[13];
  out.window = load16(p + 14);
  out.payload = std::string_view(reinterpret_cast<const char*>(p + header), len - header);
  return ParseResult::Tcp;
}

ParseResult parse_ipv4(const uint8_t* p, size_t len, PacketView& out) {
  if (len < 20) return ParseResult::Truncated;
  if ((p[0] >> 4) != 4) return ParseResult::Malformed;
  const size_t header = static_cast<size_t>(p[0] & 0x0f) * 4;
  const size_t total = load16(p + 2);
  if (header < 20 || total < header) return ParseResult::Malformed;
  if (total > len) return ParseResult::Truncated;
  const uint16_t fragment = load16(p + 6);
  if ((fragment & 0x3fff) != 0) return ParseResult::Fragment;  // MF set or non-zero offset
  set_ipv4_mapped(out.src, p + 12);
  set_ipv4_mapped(out.dst, p + 16);
  out.ipv6 = false;
  if (p[9] != kProtoTcp) return ParseResult::NotTcp;
  return parse_tcp(p + header, total - header, out);
}

// Walks IPv6 extension headers (hop-by-hop, routing, destination options) up to TCP; a fragment header
// means a fragment. Bounded: at most kMaxExtensionHeaders are followed.
ParseResult parse_ipv6(const uint8_t* p, size_t len, PacketView& out) {
  constexpr int kMaxExtensionHeaders = 8;
  if (len < 40) return ParseResult::Truncated;
  if ((p[0] >> 4) != 6) return ParseResult::Malformed;
  const size_t payload_len = load16(p + 4);
  if (40 + payload_len > len) return ParseResult::Truncated;
  std::memcpy(out.src.data(), p + 8, 16);
  std::memcpy(out.dst.data(), p + 24, 16);
  out.ipv6 = true;
  uint8_t next = p[6];
  const uint8_t* cursor = p + 40;
  size_t remaining = payload_len;
  for (int i = 0; i < kMaxExtensionHeaders; ++i) {
    switch (next) {
      case kProtoTcp:
        return parse_tcp(cursor, remaining, out);
      case 44:  // Fragment
        return ParseResult::Fragment;
      case 0:   // Hop-by-hop
      case 43:  // Routing
      case 60: {  // Destination options
        if (remaining < 8) return ParseResult::Truncated;
        const size_t ext_len = (static_cast<size_t>(cursor[1]) + 1) * 8;
        if (ext_len > remaining) return ParseResult::Truncated;
        next = cursor[0];
        cursor += ext_len;
        remaining -= ext_len;
        break;
      }
      default:
        return ParseResult::NotTcp;
    }
  }
  return ParseResult::Malformed;
}

}  // namespace

ParseResult parse_frame(std::string_view frame, PacketView& out) {
  const auto* p = reinterpret_cast<const uint8_t*>(frame.data());
  size_t len = frame.size();
  if (len < 14) return ParseResult::Truncated;
  uint16_t ether_type = load16(p + 12);
  p += 14;
  len -= 14;
  out.vlan = 0;
  for (int tags = 0; ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ; ++tags) {
    if (tags == kMaxVlanTags) return ParseResult::Malformed;
    if (len < 4) return ParseResult::Truncated;
    if (tags == 0) out.vlan = load16(p) & 0x0fff;
    ether_type = load16(p + 2);
    p += 4;
    len -= 4;
  }
  if (ether_type == kEtherTypeIpv4) return parse_ipv4(p, len, out);
  if (ether_type == kEtherTypeIpv6) return parse_ipv6(p, len, out);
  return ParseResult::NotIp;
}

const char* parse_result_name(ParseResult r) {
  switch (r) {
    case ParseResult::Tcp: return "tcp";
    case ParseResult::NotIp: return "not_ip";
    case ParseResult::NotTcp: return "not_tcp";
    case ParseResult::Fragment: return "fragment";
    case ParseResult::Truncated: return "truncated";
    case ParseResult::Malformed: return "malformed";
  }
  return "unknown";
}

std::string_view format_ip(const IpAddress& a, char (&buffer)[48]) {
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const bool mapped = std::memcmp(a.data(), kMappedPrefix, sizeof kMappedPrefix) == 0;
  const char* text = mapped ? inet_ntop(AF_INET, a.data() + 12, buffer, sizeof buffer)
                            : inet_ntop(AF_INET6, a.data(), buffer, sizeof buffer);
  return text ? std::string_view(text) : std::string_view("?");
}

}  // namespace sluice::dataplane
