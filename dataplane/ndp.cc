#include "dataplane/ndp.h"

#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/frame_layout.h"

namespace sluice::dataplane {
namespace {

constexpr size_t kIpv6HeaderLen = 40;
constexpr size_t kNdMessageLen = 24;   // type, code, checksum, flags/reserved, target
constexpr size_t kLinkLayerOptionLen = 8;
constexpr uint8_t kNdHopLimit = 255;   // RFC 4861 §7.1: anything else may have crossed a router

const IpAddr kAllNodes = IpAddr::v6(std::array<uint8_t, 16>{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}.data());

struct NdOptions {
  bool valid = true;
  const uint8_t* source_ll = nullptr;
  const uint8_t* target_ll = nullptr;
};

// RFC 4861 §4.6: every option has a non-zero length in units of 8 octets; unknown options are skipped.
NdOptions walk_options(const uint8_t* p, size_t len) {
  NdOptions o;
  while (len > 0) {
    if (len < 2 || p[1] == 0 || static_cast<size_t>(p[1]) * 8 > len) {
      o.valid = false;
      return o;
    }
    const size_t option_len = static_cast<size_t>(p[1]) * 8;
    if (p[0] == kNdOptionSourceLinkLayer && option_len == kLinkLayerOptionLen) o.source_ll = p + 2;
    if (p[0] == kNdOptionTargetLinkLayer && option_len == kLinkLayerOptionLen) o.target_ll = p + 2;
    p += option_len;
    len -= option_len;
  }
  return o;
}

// Writes Ethernet (+ tags), IPv6 and an ND message of `message_len` bytes whose body the caller fills;
// returns the ICMPv6 message start.
uint8_t* write_headers(uint8_t* out, const MacAddress& dst_mac, const MacAddress& src_mac, const uint8_t* tags,
                       size_t l2, const IpAddr& src, const IpAddr& dst, size_t message_len) {
  std::memcpy(out, dst_mac.data(), 6);
  std::memcpy(out + 6, src_mac.data(), 6);
  if (l2 > kEthernetHeaderLen) std::memcpy(out + 12, tags, l2 - kEthernetHeaderLen);
  store_be16(out + l2 - 2, kEtherTypeIpv6);
  uint8_t* ip = out + l2;
  store_be32(ip, 0x60000000);
  store_be16(ip + 4, static_cast<uint16_t>(message_len));
  ip[6] = kIpProtoIcmpv6;
  ip[7] = kNdHopLimit;
  std::memcpy(ip + 8, src.data(), 16);
  std::memcpy(ip + 24, dst.data(), 16);
  return ip + kIpv6HeaderLen;
}

void finish_icmpv6(uint8_t* ip, size_t message_len) {
  uint8_t* icmp = ip + kIpv6HeaderLen;
  store_be16(icmp + 2, 0);
  const uint64_t pseudo = pseudo_header_sum_v6(ip + 8, ip + 24, kIpProtoIcmpv6, static_cast<uint32_t>(message_len));
  store_be16(icmp + 2, checksum_finish(checksum_add(pseudo, icmp, message_len)));
}

MacAddress mac_at(const uint8_t* p) {
  MacAddress m;
  std::memcpy(m.data(), p, 6);
  return m;
}

}  // namespace

const char* ndp_action_name(NdpAction a) {
  switch (a) {
    case NdpAction::NotNdp: return "not_ndp";
    case NdpAction::Invalid: return "invalid";
    case NdpAction::Ignored: return "ignored";
    case NdpAction::Learned: return "learned";
    case NdpAction::Reply: return "reply";
    case NdpAction::NoRoom: return "no_room";
  }
  return "unknown";
}

IpAddr solicited_node_multicast(const IpAddr& a) {
  IpAddr g = kAllNodes;
  g.bytes[11] = 0x01;
  g.bytes[12] = 0xff;
  g.bytes[13] = a.bytes[13];
  g.bytes[14] = a.bytes[14];
  g.bytes[15] = a.bytes[15];
  return g;
}

MacAddress ipv6_multicast_mac(const IpAddr& group) {
  return {0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]};
}

NdpResult handle_ndp(const uint8_t* frame, size_t len, const LocalAddresses& local, NeighbourTable& neighbours,
                     uint64_t now_ns, uint8_t* out, size_t capacity) {
  NdpResult r;
  FrameLayout l;
  if (locate_layers(frame, len, l) != FrameKind::Ipv6 || l.l3_header_len != kIpv6HeaderLen ||
      l.l4_protocol != kIpProtoIcmpv6 || l.l4_len < 4)
    return r;
  const uint8_t* ip = frame + l.l3_offset;
  const uint8_t* icmp = frame + l.l4_offset;
  const uint8_t type = icmp[0];
  if (type != kIcmpv6NeighborSolicitation && type != kIcmpv6NeighborAdvertisement) return r;

  r.action = NdpAction::Invalid;
  if (ip[7] != kNdHopLimit || icmp[1] != 0 || l.l4_len < kNdMessageLen) return r;
  const uint64_t pseudo = pseudo_header_sum_v6(ip + 8, ip + 24, kIpProtoIcmpv6, static_cast<uint32_t>(l.l4_len));
  if (checksum_fold(checksum_add(pseudo, icmp, l.l4_len)) != 0xffff) return r;
  const IpAddr source = IpAddr::v6(ip + 8);
  const IpAddr destination = IpAddr::v6(ip + 24);
  const IpAddr target = IpAddr::v6(icmp + 8);
  if (target.is_multicast()) return r;
  const NdOptions options = walk_options(icmp + kNdMessageLen, l.l4_len - kNdMessageLen);
  if (!options.valid) return r;

  if (type == kIcmpv6NeighborAdvertisement) {
    // §7.1.2: a multicast NA must not claim to be solicited.
    if (destination.is_multicast() && (icmp[4] & kNaFlagSolicited)) return r;
    r.action = NdpAction::Ignored;
    if (options.target_ll == nullptr || local.owns(target)) return r;
    const MacAddress mac = mac_at(options.target_ll);
    if (is_multicast_mac(mac) || neighbours.find(target, now_ns) == nullptr) return r;
    if (neighbours.learn(target, mac, now_ns)) r.action = NdpAction::Learned;
    return r;
  }

  // Neighbor Solicitation. §7.1.1: from the unspecified address (DAD) only to a solicited-node group and
  // without a source link-layer option.
  const bool dad = source.is_unspecified();
  if (dad && (options.source_ll != nullptr || destination != solicited_node_multicast(target))) return r;
  if (source.is_multicast()) return r;
  r.action = NdpAction::Ignored;
  if (!dad && options.source_ll != nullptr && !local.owns(source)) {
    const MacAddress mac = mac_at(options.source_ll);
    if (!is_multicast_mac(mac) && neighbours.learn(source, mac, now_ns)) r.action = NdpAction::Learned;
  }
  if (!local.owns(target)) return r;
  // Addressed to us: the target itself or its solicited-node group.
  if (destination != target && destination != solicited_node_multicast(target)) return r;

  // §7.2.4: the NA goes to the solicitation's source (all-nodes for DAD), S set unless DAD, O set, with our
  // target link-layer address.
  const IpAddr reply_to = dad ? kAllNodes : source;
  MacAddress dst_mac = dad ? ipv6_multicast_mac(kAllNodes)
                           : (options.source_ll ? mac_at(options.source_ll) : mac_at(frame + 6));
  const size_t l2 = l.l3_offset;
  const size_t message_len = kNdMessageLen + kLinkLayerOptionLen;
  if (capacity < l2 + kIpv6HeaderLen + message_len) {
    r.action = NdpAction::NoRoom;
    return r;
  }
  uint8_t* na = write_headers(out, dst_mac, local.mac, frame + 12, l2, target, reply_to, message_len);
  na[0] = kIcmpv6NeighborAdvertisement;
  na[1] = 0;
  store_be32(na + 4, 0);
  na[4] = static_cast<uint8_t>((dad ? 0 : kNaFlagSolicited) | kNaFlagOverride);
  std::memcpy(na + 8, target.data(), 16);
  na[24] = kNdOptionTargetLinkLayer;
  na[25] = 1;
  std::memcpy(na + 26, local.mac.data(), 6);
  finish_icmpv6(out + l2, message_len);
  r.action = NdpAction::Reply;
  r.reply_len = l2 + kIpv6HeaderLen + message_len;
  return r;
}

size_t build_neighbor_solicitation(const MacAddress& our_mac, const IpAddr& our_ip, const IpAddr& target,
                                   uint16_t vlan, uint8_t* out, size_t capacity, const MacAddress* unicast_mac) {
  if (our_ip.is_v4() || target.is_v4()) return 0;
  const size_t l2 = kEthernetHeaderLen + (vlan ? kVlanTagLen : 0);
  const size_t message_len = kNdMessageLen + kLinkLayerOptionLen;
  if (capacity < l2 + kIpv6HeaderLen + message_len) return 0;
  uint8_t tag[4];
  store_be16(tag, kEtherTypeVlan);
  store_be16(tag + 2, vlan & 0x0fff);
  const IpAddr dst = unicast_mac ? target : solicited_node_multicast(target);
  const MacAddress dst_mac = unicast_mac ? *unicast_mac : ipv6_multicast_mac(dst);
  uint8_t* ns = write_headers(out, dst_mac, our_mac, tag, l2, our_ip, dst, message_len);
  ns[0] = kIcmpv6NeighborSolicitation;
  ns[1] = 0;
  store_be32(ns + 4, 0);
  std::memcpy(ns + 8, target.data(), 16);
  ns[24] = kNdOptionSourceLinkLayer;
  ns[25] = 1;
  std::memcpy(ns + 26, our_mac.data(), 6);
  finish_icmpv6(out + l2, message_len);
  return l2 + kIpv6HeaderLen + message_len;
}

}  // namespace sluice::dataplane
