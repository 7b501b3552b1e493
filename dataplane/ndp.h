// dataplane/ndp.h — IPv6 Neighbor Discovery (RFC 4861) on one port: answer Neighbor Solicitations for our
// addresses, learn neighbours from NS/NA, build the NS that resolves a next hop.
//
// Owns: the NS/NA formats, the validity checks of RFC 4861 §7.1 and the learning rules of §7.2.3/§7.2.5.
// Calls: frame_layout, checksum.h, neighbour_table. No DPDK, no allocation.
//
// Learning: an NS with a source link-layer address option teaches its source (§7.2.3); an NA with a target
// link-layer address option teaches its target only if an entry exists already — we asked, or knew it —
// (§7.2.5: "If no entry exists, the advertisement SHOULD be silently discarded").
// We are not a router: the R flag is never set. Router and redirect messages are ignored.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/ip_address.h"
#include "dataplane/neighbour_table.h"

namespace sluice::dataplane {

inline constexpr uint8_t kIcmpv6NeighborSolicitation = 135;
inline constexpr uint8_t kIcmpv6NeighborAdvertisement = 136;
inline constexpr uint8_t kNdOptionSourceLinkLayer = 1;
inline constexpr uint8_t kNdOptionTargetLinkLayer = 2;
inline constexpr uint8_t kNaFlagRouter = 0x80;
inline constexpr uint8_t kNaFlagSolicited = 0x40;
inline constexpr uint8_t kNaFlagOverride = 0x20;

enum class NdpAction : uint8_t {
  NotNdp,   // not an NS/NA in a plain IPv6 packet
  Invalid,  // NS/NA failing RFC 4861 §7.1 (hop limit, checksum, length, options, ...)
  Ignored,  // valid, nothing to do
  Learned,  // a neighbour was learned, nothing to send
  Reply,    // an NA was written to `out` (the NS source may have been learned as well)
  NoRoom,   // an NA was due but `out` was too small
};

struct NdpResult {
  NdpAction action = NdpAction::NotNdp;
  size_t reply_len = 0;
};

const char* ndp_action_name(NdpAction);

// ff02::1:ffXX:XXXX for the low 24 bits of `a` (RFC 4291 §2.7.1).
IpAddr solicited_node_multicast(const IpAddr& a);
// 33:33 followed by the low 32 bits of an IPv6 multicast address (RFC 2464 §7).
MacAddress ipv6_multicast_mac(const IpAddr& group);

NdpResult handle_ndp(const uint8_t* frame, size_t len, const LocalAddresses& local, NeighbourTable& neighbours,
                     uint64_t now_ns, uint8_t* out, size_t capacity);

// An NS for `target` from `our_ip` (an IPv6 address we own on the port) with our source link-layer option:
// to the target's solicited-node group and its 33:33:ff:xx:xx:xx MAC, or — when `unicast_mac` is given, to
// re-check a Stale entry (RFC 4861 §7.3.3) — to the target itself at that MAC. Returns the frame length,
// 0 when it does not fit or an address is not IPv6.
size_t build_neighbor_solicitation(const MacAddress& our_mac, const IpAddr& our_ip, const IpAddr& target,
                                   uint16_t vlan, uint8_t* out, size_t capacity,
                                   const MacAddress* unicast_mac = nullptr);

}  // namespace sluice::dataplane
