#include "dataplane/frame_builder.h"

#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/frame_layout.h"

namespace sluice::dataplane {
namespace {

constexpr size_t kIpv4HeaderLen = 20;
constexpr size_t kIpv6HeaderLen = 40;
constexpr size_t kTcpHeaderLen = 20;

// Writes IP + TCP at `out` (the L3 start); returns the bytes written or 0 when they do not fit.
BuiltFrame write_ip_tcp(const TcpFrameSpec& s, uint8_t* out, size_t capacity) {
  BuiltFrame b;
  const bool v4 = s.src_ip.is_v4();
  if (v4 != s.dst_ip.is_v4()) return b;
  if (s.options.size() > kMaxTcpOptionsLen || s.options.size() % 4 != 0) return b;
  const size_t tcp_header = kTcpHeaderLen + s.options.size();
  const size_t payload = s.payload[0].size() + s.payload[1].size();
  const size_t ip_header = v4 ? kIpv4HeaderLen : kIpv6HeaderLen;
  const size_t l4_len = tcp_header + payload;
  if (v4 ? ip_header + l4_len > 0xffff : l4_len > 0xffff) return b;
  if (ip_header + l4_len > capacity) return b;

  uint8_t* ip = out;
  uint8_t* tcp = out + ip_header;
  uint64_t pseudo;
  if (v4) {
    ip[0] = 0x45;
    ip[1] = 0;  // DSCP/ECN
    store_be16(ip + 2, static_cast<uint16_t>(ip_header + l4_len));
    store_be16(ip + 4, s.ip_id);
    store_be16(ip + 6, s.dont_fragment ? 0x4000 : 0);
    ip[8] = s.ttl;
    ip[9] = kIpProtoTcp;
    store_be16(ip + 10, 0);
    std::memcpy(ip + 12, s.src_ip.v4_bytes(), 4);
    std::memcpy(ip + 16, s.dst_ip.v4_bytes(), 4);
    if (!s.offload_ip_checksum) store_be16(ip + 10, internet_checksum(ip, kIpv4HeaderLen));
    pseudo = pseudo_header_sum_v4(ip + 12, ip + 16, kIpProtoTcp, static_cast<uint32_t>(l4_len));
  } else {
    store_be32(ip, 0x60000000);  // version 6, traffic class 0, flow label 0
    store_be16(ip + 4, static_cast<uint16_t>(l4_len));
    ip[6] = kIpProtoTcp;
    ip[7] = s.ttl;
    std::memcpy(ip + 8, s.src_ip.data(), 16);
    std::memcpy(ip + 24, s.dst_ip.data(), 16);
    pseudo = pseudo_header_sum_v6(ip + 8, ip + 24, kIpProtoTcp, static_cast<uint32_t>(l4_len));
  }

  store_be16(tcp, s.src_port);
  store_be16(tcp + 2, s.dst_port);
  store_be32(tcp + 4, s.seq);
  store_be32(tcp + 8, s.ack);
  tcp[12] = static_cast<uint8_t>((tcp_header / 4) << 4);
  tcp[13] = s.flags;
  store_be16(tcp + 14, s.window);
  store_be16(tcp + 16, 0);  // checksum
  store_be16(tcp + 18, 0);  // urgent pointer
  if (!s.options.empty()) std::memcpy(tcp + kTcpHeaderLen, s.options.data(), s.options.size());
  uint8_t* data = tcp + tcp_header;
  for (const std::string_view piece : s.payload) {
    if (!piece.empty()) std::memcpy(data, piece.data(), piece.size());
    data += piece.size();
  }
  if (s.offload_tcp_checksum) {
    store_be16(tcp + 16, checksum_fold(pseudo));
  } else {
    // One pass over header and payload together: the header is 4-byte aligned, so the payload's pieces
    // are summed by the accumulator that knows about an odd first piece.
    ChecksumAccumulator sum(checksum_add(pseudo, tcp, tcp_header));
    sum.add(reinterpret_cast<const uint8_t*>(s.payload[0].data()), s.payload[0].size());
    sum.add(reinterpret_cast<const uint8_t*>(s.payload[1].data()), s.payload[1].size());
    store_be16(tcp + 16, sum.finish());
  }
  b.length = ip_header + l4_len;
  b.l3_len = ip_header;
  b.l4_len = tcp_header;
  return b;
}

// Pads to the Ethernet minimum with zeroes when the buffer allows (the parser bounds by the IP length).
size_t pad(uint8_t* out, size_t length, size_t capacity) {
  if (length >= kMinFrameLen || capacity < kMinFrameLen) return length;
  std::memset(out + length, 0, kMinFrameLen - length);
  return kMinFrameLen;
}

}  // namespace

BuiltFrame build_tcp_frame(const TcpFrameSpec& spec, uint8_t* out, size_t capacity) {
  const size_t l2 = kEthernetHeaderLen + (spec.vlan ? kVlanTagLen : 0);
  if (capacity < l2) return {};
  std::memcpy(out, spec.dst_mac.data(), 6);
  std::memcpy(out + 6, spec.src_mac.data(), 6);
  if (spec.vlan) {
    store_be16(out + 12, kEtherTypeVlan);
    store_be16(out + 14, spec.vlan & 0x0fff);
  }
  store_be16(out + l2 - 2, spec.src_ip.is_v4() ? kEtherTypeIpv4 : kEtherTypeIpv6);
  BuiltFrame b = write_ip_tcp(spec, out + l2, capacity - l2);
  if (!b) return {};
  b.l2_len = l2;
  b.length = pad(out, l2 + b.length, capacity);
  return b;
}

BuiltFrame build_tcp_rst_for(const uint8_t* received, size_t received_len, uint16_t ip_id, uint8_t* out,
                             size_t capacity) {
  FrameLayout l;
  const FrameKind kind = locate_layers(received, received_len, l);
  if ((kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) || l.fragment || l.l4_protocol != kIpProtoTcp ||
      l.l4_len < kTcpHeaderLen)
    return {};
  const uint8_t* ip = received + l.l3_offset;
  const uint8_t* tcp = received + l.l4_offset;
  const size_t tcp_header = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (tcp_header < kTcpHeaderLen || tcp_header > l.l4_len) return {};
  const uint8_t flags = tcp[13];
  if (flags & kTcpRst) return {};  // RFC 9293: an incoming RST is never answered

  TcpFrameSpec s;
  if (kind == FrameKind::Ipv4) {
    s.src_ip = IpAddr::v4(ip + 16);
    s.dst_ip = IpAddr::v4(ip + 12);
  } else {
    s.src_ip = IpAddr::v6(ip + 24);
    s.dst_ip = IpAddr::v6(ip + 8);
    // IPv4-mapped addresses never appear on an IPv6 wire (RFC 4291 §2.5.5.2). IpAddr reads them as IPv4, so the
    // answer would be an IPv4 packet behind the received IPv6 EtherType: a malformed frame. Not answered
    // (found by tests/fuzz/packet_parser_fuzz).
    if (s.src_ip.is_v4() || s.dst_ip.is_v4()) return {};
  }
  s.src_port = load_be16(tcp + 2);
  s.dst_port = load_be16(tcp);
  s.ip_id = ip_id;
  if (flags & kTcpAck) {
    s.seq = load_be32(tcp + 8);
    s.flags = kTcpRst;
  } else {
    const uint32_t seg_len = static_cast<uint32_t>(l.l4_len - tcp_header) + ((flags & kTcpSyn) ? 1 : 0) +
                             ((flags & kTcpFin) ? 1 : 0);
    s.seq = 0;
    s.ack = load_be32(tcp + 4) + seg_len;
    s.flags = kTcpRst | kTcpAck;
  }

  const size_t l2 = l.l3_offset;  // the received Ethernet header and tags, MACs swapped
  if (capacity < l2) return {};
  std::memcpy(out, received + 6, 6);
  std::memcpy(out + 6, received, 6);
  std::memcpy(out + 12, received + 12, l2 - 12);
  BuiltFrame b = write_ip_tcp(s, out + l2, capacity - l2);
  if (!b) return {};
  b.l2_len = l2;
  b.length = pad(out, l2 + b.length, capacity);
  return b;
}

}  // namespace sluice::dataplane
