// dataplane/nat_rewrite.h — VIP DNAT for pass-through TCP flows: rewrite a frame's destination (towards the
// backend) or source (the backend's answer, un-DNAT) address and port in place, and its MACs.
//
// Owns: the in-place rewrite and the incremental checksum fix-up of RFC 1624 (IPv4 header checksum; the TCP
// checksum, which covers the addresses through the pseudo-header and the ports). Calls: frame_layout,
// checksum.h. No DPDK, no allocation. Families never change (no NAT46/64).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/ip_address.h"

namespace sluice::dataplane {

enum class NatSide : uint8_t {
  Destination,  // DNAT: client → VIP becomes client → backend
  Source,       // un-DNAT: backend → client becomes VIP → client
};

struct NatRewrite {
  NatSide side = NatSide::Destination;
  IpAddr address;          // the new destination (DNAT) or source (un-DNAT) address
  uint16_t port = 0;       // the new port on that side
  MacAddress src_mac{};    // the frame's new Ethernet source (our port's MAC)
  MacAddress dst_mac{};    // and destination (the next hop's MAC)
};

enum class NatResult : uint8_t {
  Rewritten,
  NotTcp,          // not an unfragmented IPv4/IPv6 TCP segment with a whole TCP header
  FamilyMismatch,  // an IPv4 address for an IPv6 frame or the other way round
};

const char* nat_result_name(NatResult);

// Rewrites the frame in place. A TCP checksum of zero in an IPv4 segment is still updated: TCP has no
// "no checksum" value (unlike UDP).
NatResult apply_nat(uint8_t* frame, size_t len, const NatRewrite& rewrite);

}  // namespace sluice::dataplane
