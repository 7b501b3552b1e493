// dataplane/arp.h — ARP (RFC 826) for IPv4 over Ethernet on one port: answer requests for our addresses,
// learn senders, build requests to resolve a next hop.
//
// Owns: the ARP packet format and the rules for what is answered and learned. Calls: frame_layout,
// neighbour_table. No DPDK, no allocation: replies are written into the caller's buffer.
//
// Learning (as Linux does, plus gratuitous ARP): a sender is learned when the packet asks for one of our
// addresses, when it is gratuitous (sender IP = target IP: a host announcing itself or a failover), or
// when the sender is already in the table (refresh). Senders with 0.0.0.0 (RFC 5227 probes) or a
// multicast/broadcast MAC are never learned.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/ip_address.h"
#include "dataplane/neighbour_table.h"

namespace sluice::dataplane {

inline constexpr uint16_t kArpOpRequest = 1;
inline constexpr uint16_t kArpOpReply = 2;

enum class ArpAction : uint8_t {
  NotArp,     // not an Ethernet/IPv4 ARP packet (or too short)
  Ignored,    // valid ARP, nothing to do
  Learned,    // the sender was learned, nothing to send
  Reply,      // the sender was learned and a reply was written to `out`
  NoRoom,     // a reply was due but `out` was too small
};

struct ArpResult {
  ArpAction action = ArpAction::NotArp;
  size_t reply_len = 0;
};

const char* arp_action_name(ArpAction);

// Handles one received frame (Ethernet, optionally VLAN-tagged; the reply carries the same tags).
ArpResult handle_arp(const uint8_t* frame, size_t len, const LocalAddresses& local, NeighbourTable& neighbours,
                     uint64_t now_ns, uint8_t* out, size_t capacity);

// A broadcast who-has `target` from `our_ip` (an IPv4 address we own on the port), VLAN-tagged when vlan != 0.
// Returns the frame length (padded to 60), 0 when it does not fit or an address is not IPv4.
size_t build_arp_request(const MacAddress& our_mac, const IpAddr& our_ip, const IpAddr& target, uint16_t vlan,
                         uint8_t* out, size_t capacity);

}  // namespace sluice::dataplane
