// dataplane/packet_view.h — what the dataplane knows about one received frame after parsing.
//
// Owns: the parsed, bounds-checked view of L2/L3/L4 headers (Ethernet, 802.1Q/802.1ad, IPv4, IPv6, TCP).
// Calls: nothing. Pure data; the parser fills it from raw frame bytes without copying the payload.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::dataplane {

// An IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d) so one key type serves both families.
using IpAddress = std::array<uint8_t, 16>;

enum class ParseResult : uint8_t {
  Tcp,            // a TCP segment: every field of PacketView is valid
  NotIp,          // ARP, LLDP, ...: not ours in offline mode
  NotTcp,         // UDP, ICMP, ...
  Fragment,       // IP fragment: counted, not reassembled in offline mode
  Truncated,      // headers claim more bytes than the frame has
  Malformed,      // bad version, header length, ...
};

struct PacketView {
  IpAddress src{};
  IpAddress dst{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  bool ipv6 = false;
  uint16_t vlan = 0;              // outermost VLAN id, 0 = untagged
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t tcp_flags = 0;
  uint16_t window = 0;
  std::string_view payload;       // TCP payload, bounded by the IP length (not the frame: FCS trailers exist)
};

const char* parse_result_name(ParseResult);

// Formats an address for logs: dotted quad for IPv4-mapped, RFC 5952 text for IPv6.
std::string_view format_ip(const IpAddress&, char (&buffer)[48]);

}  // namespace sluice::dataplane
