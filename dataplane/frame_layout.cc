#include "dataplane/frame_layout.h"

namespace sluice::dataplane {
namespace {

constexpr int kMaxVlanTags = 2;
constexpr int kMaxExtensionHeaders = 8;  // bounded walk, as packet_parser does
constexpr size_t kArpIpv4Len = 28;

FrameKind locate_ipv4(const uint8_t* p, size_t len, FrameLayout& out) {
  if (len < 20 || (p[0] >> 4) != 4) return FrameKind::Malformed;
  const size_t header = static_cast<size_t>(p[0] & 0x0f) * 4;
  const size_t total = load_be16(p + 2);
  if (header < 20 || total < header || total > len) return FrameKind::Malformed;
  out.l3_header_len = header;
  out.l4_offset = out.l3_offset + header;
  out.l4_len = total - header;
  out.l4_protocol = p[9];
  out.fragment = (load_be16(p + 6) & 0x3fff) != 0;
  return out.kind = FrameKind::Ipv4;
}

FrameKind locate_ipv6(const uint8_t* p, size_t len, FrameLayout& out) {
  if (len < 40 || (p[0] >> 4) != 6) return FrameKind::Malformed;
  const size_t payload_len = load_be16(p + 4);
  if (40 + payload_len > len) return FrameKind::Malformed;
  uint8_t next = p[6];
  size_t header = 40;
  for (int i = 0; i < kMaxExtensionHeaders; ++i) {
    if (next == 44) out.fragment = true;
    if (next != 0 && next != 43 && next != 60 && next != 44) {
      out.l3_header_len = header;
      out.l4_offset = out.l3_offset + header;
      out.l4_len = 40 + payload_len - header;
      out.l4_protocol = next;
      return out.kind = FrameKind::Ipv6;
    }
    if (header + 8 > 40 + payload_len) return FrameKind::Malformed;
    const size_t ext_len = next == 44 ? 8 : (static_cast<size_t>(p[header + 1]) + 1) * 8;
    if (header + ext_len > 40 + payload_len) return FrameKind::Malformed;
    next = p[header];
    header += ext_len;
  }
  return FrameKind::Malformed;
}

}  // namespace

FrameKind locate_layers(const uint8_t* frame, size_t len, FrameLayout& out) {
  // Field by field, not `out = FrameLayout{}`: GCC builds that as a stack temporary whose partial stores are
  // then reloaded 16 bytes at a time, two store-forwarding stalls per frame on the hot path.
  out.kind = FrameKind::Malformed;
  out.ether_type = 0;
  out.vlan = 0;
  out.l3_offset = out.l3_header_len = out.l4_offset = out.l4_len = 0;
  out.l4_protocol = 0;
  out.fragment = false;
  if (len < kEthernetHeaderLen) return out.kind;
  uint16_t ether_type = load_be16(frame + 12);
  size_t offset = kEthernetHeaderLen;
  for (int tags = 0; ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ; ++tags) {
    if (tags == kMaxVlanTags || len < offset + kVlanTagLen) return out.kind;
    if (tags == 0) out.vlan = load_be16(frame + offset) & 0x0fff;
    ether_type = load_be16(frame + offset + 2);
    offset += kVlanTagLen;
  }
  out.ether_type = ether_type;
  out.l3_offset = offset;
  const uint8_t* l3 = frame + offset;
  const size_t l3_len = len - offset;
  switch (ether_type) {
    case kEtherTypeArp:
      if (l3_len < kArpIpv4Len) return out.kind;
      out.l3_header_len = kArpIpv4Len;
      out.l4_offset = offset + kArpIpv4Len;
      return out.kind = FrameKind::Arp;
    case kEtherTypeIpv4:
      return locate_ipv4(l3, l3_len, out);
    case kEtherTypeIpv6:
      return locate_ipv6(l3, l3_len, out);
    default:
      return out.kind = FrameKind::Other;
  }
}

}  // namespace sluice::dataplane
