// dataplane/icmp.h — echo replies (ping) for our addresses: ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 §4).
//
// Owns: which echo requests are answered and the reply's bytes. Calls: frame_layout, checksum.h.
// No DPDK, no allocation: the reply is written into the caller's buffer.
//
// Answered: an unfragmented echo request with a valid checksum, to a unicast address we own on the port.
// Everything else (other ICMP types, broadcast/multicast pings, bad checksums, IPv6 extension headers in
// front of ICMPv6) is ignored. The reply swaps MACs and addresses, keeps the VLAN tags, identifier, sequence
// number and payload, uses TTL/hop limit `ttl`, and carries freshly computed checksums.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/ip_address.h"

namespace sluice::dataplane {

inline constexpr uint8_t kIcmpv4EchoReply = 0;
inline constexpr uint8_t kIcmpv4EchoRequest = 8;
inline constexpr uint8_t kIcmpv6EchoRequest = 128;
inline constexpr uint8_t kIcmpv6EchoReply = 129;

struct IcmpConfig {
  uint8_t ttl = 64;                 // TTL / hop limit of replies
  size_t max_reply_len = 1518;      // larger requests (jumbo pings) are ignored: one mbuf, no chaining
};

// Returns the reply's length (padded to 60), or 0 when the frame is not an echo request we answer or the
// reply does not fit in `capacity` / config.max_reply_len.
size_t build_echo_reply(const uint8_t* frame, size_t len, const LocalAddresses& local, uint8_t* out,
                        size_t capacity, const IcmpConfig& config = {});

}  // namespace sluice::dataplane
