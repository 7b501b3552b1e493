#include "dataplane/icmp.h"

#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/frame_layout.h"

namespace sluice::dataplane {
namespace {

constexpr size_t kEchoHeaderLen = 8;  // type, code, checksum, identifier, sequence number

}  // namespace

size_t build_echo_reply(const uint8_t* frame, size_t len, const LocalAddresses& local, uint8_t* out,
                        size_t capacity, const IcmpConfig& config) {
  FrameLayout l;
  const FrameKind kind = locate_layers(frame, len, l);
  if (kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) return 0;
  if (l.fragment || l.l4_len < kEchoHeaderLen) return 0;
  const bool v4 = kind == FrameKind::Ipv4;
  const uint8_t* ip = frame + l.l3_offset;
  const uint8_t* icmp = frame + l.l4_offset;
  if (v4) {
    if (l.l4_protocol != kIpProtoIcmp || icmp[0] != kIcmpv4EchoRequest || icmp[1] != 0) return 0;
    if (!local.owns(IpAddr::v4(ip + 16))) return 0;
    if (!checksum_valid(icmp, l.l4_len)) return 0;
  } else {
    // Only ICMPv6 right after the fixed header: an echo reply needs no extension headers copied.
    if (l.l3_header_len != 40 || l.l4_protocol != kIpProtoIcmpv6) return 0;
    if (icmp[0] != kIcmpv6EchoRequest || icmp[1] != 0) return 0;
    if (!local.owns(IpAddr::v6(ip + 24))) return 0;
    const uint64_t pseudo = pseudo_header_sum_v6(ip + 8, ip + 24, kIpProtoIcmpv6, static_cast<uint32_t>(l.l4_len));
    if (checksum_fold(checksum_add(pseudo, icmp, l.l4_len)) != 0xffff) return 0;
  }
  const size_t reply_len = l.ip_end();  // without any trailer the request carried
  if (reply_len > capacity || reply_len > config.max_reply_len) return 0;

  std::memcpy(out, frame + 6, 6);
  std::memcpy(out + 6, frame, 6);
  std::memcpy(out + 12, frame + 12, reply_len - 12);  // tags, IP header (with options), ICMP message
  uint8_t* rip = out + l.l3_offset;
  uint8_t* ricmp = out + l.l4_offset;
  if (v4) {
    std::memcpy(rip + 12, ip + 16, 4);
    std::memcpy(rip + 16, ip + 12, 4);
    rip[8] = config.ttl;
    store_be16(rip + 10, 0);
    store_be16(rip + 10, internet_checksum(rip, l.l3_header_len));
    ricmp[0] = kIcmpv4EchoReply;
    store_be16(ricmp + 2, 0);
    store_be16(ricmp + 2, internet_checksum(ricmp, l.l4_len));
  } else {
    std::memcpy(rip + 8, ip + 24, 16);
    std::memcpy(rip + 24, ip + 8, 16);
    rip[7] = config.ttl;
    ricmp[0] = kIcmpv6EchoReply;
    store_be16(ricmp + 2, 0);
    const uint64_t pseudo = pseudo_header_sum_v6(rip + 8, rip + 24, kIpProtoIcmpv6, static_cast<uint32_t>(l.l4_len));
    store_be16(ricmp + 2, checksum_finish(checksum_add(pseudo, ricmp, l.l4_len)));
  }
  if (reply_len < kMinFrameLen) {
    if (capacity < kMinFrameLen) return 0;
    std::memset(out + reply_len, 0, kMinFrameLen - reply_len);
    return kMinFrameLen;
  }
  return reply_len;
}

}  // namespace sluice::dataplane
