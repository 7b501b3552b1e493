// dataplane/flow_key.h — the key both directions of one TCP connection share.
//
// The endpoints are stored in canonical order (lower address/port first) so a packet and its reply find
// the same entry with one lookup. The struct is hashed as raw bytes by rte_hash: no padding may be left
// uninitialised, hence the explicit layout and static_assert.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/packet_view.h"

namespace sluice::dataplane {

struct FlowKey {
  uint8_t addr_a[16];
  uint8_t addr_b[16];
  uint16_t port_a;
  uint16_t port_b;
  uint16_t vlan;
  uint16_t reserved;   // always 0
};
static_assert(sizeof(FlowKey) == 40, "FlowKey is hashed as raw bytes: no hidden padding");

// Builds the canonical key of `pkt` and tells whether the packet's sender is endpoint A.
inline FlowKey make_flow_key(const PacketView& pkt, bool* sender_is_a) {
  FlowKey key;
  std::memset(&key, 0, sizeof key);
  const int order = std::memcmp(pkt.src.data(), pkt.dst.data(), 16);
  const bool src_first = order < 0 || (order == 0 && pkt.src_port <= pkt.dst_port);
  const IpAddress& a = src_first ? pkt.src : pkt.dst;
  const IpAddress& b = src_first ? pkt.dst : pkt.src;
  std::memcpy(key.addr_a, a.data(), 16);
  std::memcpy(key.addr_b, b.data(), 16);
  key.port_a = src_first ? pkt.src_port : pkt.dst_port;
  key.port_b = src_first ? pkt.dst_port : pkt.src_port;
  key.vlan = pkt.vlan;
  *sender_is_a = src_first;
  return key;
}

}  // namespace sluice::dataplane
