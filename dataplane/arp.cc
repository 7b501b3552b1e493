#include "dataplane/arp.h"

#include <cstring>

#include "dataplane/frame_layout.h"

namespace sluice::dataplane {
namespace {

constexpr uint16_t kArpHardwareEthernet = 1;
constexpr size_t kArpLen = 28;

// Ethernet/IPv4 ARP body: htype, ptype, hlen, plen, oper, sha, spa, tha, tpa.
void write_arp(uint8_t* p, uint16_t op, const MacAddress& sha, const uint8_t* spa, const MacAddress& tha,
               const uint8_t* tpa) {
  store_be16(p, kArpHardwareEthernet);
  store_be16(p + 2, kEtherTypeIpv4);
  p[4] = 6;
  p[5] = 4;
  store_be16(p + 6, op);
  std::memcpy(p + 8, sha.data(), 6);
  std::memcpy(p + 14, spa, 4);
  std::memcpy(p + 18, tha.data(), 6);
  std::memcpy(p + 24, tpa, 4);
}

size_t pad_to_min(uint8_t* out, size_t len) {
  if (len < kMinFrameLen) {
    std::memset(out + len, 0, kMinFrameLen - len);
    return kMinFrameLen;
  }
  return len;
}

}  // namespace

const char* arp_action_name(ArpAction a) {
  switch (a) {
    case ArpAction::NotArp: return "not_arp";
    case ArpAction::Ignored: return "ignored";
    case ArpAction::Learned: return "learned";
    case ArpAction::Reply: return "reply";
    case ArpAction::NoRoom: return "no_room";
  }
  return "unknown";
}

ArpResult handle_arp(const uint8_t* frame, size_t len, const LocalAddresses& local, NeighbourTable& neighbours,
                     uint64_t now_ns, uint8_t* out, size_t capacity) {
  ArpResult r;
  FrameLayout l;
  if (locate_layers(frame, len, l) != FrameKind::Arp) return r;
  const uint8_t* a = frame + l.l3_offset;
  if (load_be16(a) != kArpHardwareEthernet || load_be16(a + 2) != kEtherTypeIpv4 || a[4] != 6 || a[5] != 4)
    return r;
  r.action = ArpAction::Ignored;
  const uint16_t op = load_be16(a + 6);
  if (op != kArpOpRequest && op != kArpOpReply) return r;
  MacAddress sender_mac;
  std::memcpy(sender_mac.data(), a + 8, 6);
  const IpAddr sender = IpAddr::v4(a + 14);
  const IpAddr target = IpAddr::v4(a + 24);
  const bool for_us = local.owns(target);

  const bool learnable = !sender.is_unspecified() && !is_multicast_mac(sender_mac) && !local.owns(sender);
  if (learnable) {
    const bool gratuitous = sender == target;
    if (for_us || gratuitous || neighbours.find(sender, now_ns) != nullptr) {
      if (neighbours.learn(sender, sender_mac, now_ns)) r.action = ArpAction::Learned;
    }
  }
  // A probe (sender 0.0.0.0) for our address is answered too: RFC 5227 relies on it to detect conflicts.
  if (op != kArpOpRequest || !for_us || is_multicast_mac(sender_mac)) return r;

  const size_t l2 = l.l3_offset;
  if (capacity < kMinFrameLen || capacity < l2 + kArpLen) {
    r.action = ArpAction::NoRoom;
    return r;
  }
  std::memcpy(out, sender_mac.data(), 6);  // unicast to the asker, whatever the request's destination
  std::memcpy(out + 6, local.mac.data(), 6);
  std::memcpy(out + 12, frame + 12, l2 - 12);  // tags and EtherType as received
  write_arp(out + l2, kArpOpReply, local.mac, target.v4_bytes(), sender_mac, sender.v4_bytes());
  r.action = ArpAction::Reply;
  r.reply_len = pad_to_min(out, l2 + kArpLen);
  return r;
}

size_t build_arp_request(const MacAddress& our_mac, const IpAddr& our_ip, const IpAddr& target, uint16_t vlan,
                         uint8_t* out, size_t capacity) {
  if (!our_ip.is_v4() || !target.is_v4()) return 0;
  const size_t l2 = kEthernetHeaderLen + (vlan ? kVlanTagLen : 0);
  if (capacity < kMinFrameLen || capacity < l2 + kArpLen) return 0;
  std::memcpy(out, kBroadcastMac.data(), 6);
  std::memcpy(out + 6, our_mac.data(), 6);
  if (vlan) {
    store_be16(out + 12, kEtherTypeVlan);
    store_be16(out + 14, vlan & 0x0fff);
  }
  store_be16(out + l2 - 2, kEtherTypeArp);
  static constexpr MacAddress kUnknown{};  // RFC 826: THA is ignored in a request; zero by convention
  write_arp(out + l2, kArpOpRequest, our_mac, our_ip.v4_bytes(), kUnknown, target.v4_bytes());
  return pad_to_min(out, l2 + kArpLen);
}

}  // namespace sluice::dataplane
