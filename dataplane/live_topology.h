// dataplane/live_topology.h — what the live appliance is: its two ports, their addresses, and the VIP table.
//
// Owns: compiling the Policy's `system interface` and `firewall vip` blocks into lookup-ready values, and the
// checks that make a configuration usable live (both interfaces, address families that match, no VIP port
// published twice). Also the one rule of what happens to a packet addressed to a VIP port: proxied and
// inspected when the port is an smtp `ports` entry, DNAT pass-through otherwise; no VIP port = default deny.
// May call: control/policy.h, dataplane/ip_address.h. Set-up only; lookups are read-only afterwards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/policy.h"
#include "dataplane/ip_address.h"

namespace sluice::dataplane {

enum class Side : uint8_t { Outside = 0, Inside = 1 };

struct LinkConfig {
  std::string name;
  uint16_t port_id = 0;
  MacAddress mac{};                   // filled from the port at start-up
  std::optional<Cidr> net4, net6;     // the link's prefixes
  std::optional<IpAddr> ip4, ip6;     // the appliance's own addresses on the link
  std::optional<IpAddr> gateway4, gateway6;
  uint16_t mtu = 1500;

  // The neighbour a packet to `destination` goes to: itself when on-link, else the gateway of its family.
  std::optional<IpAddr> next_hop(const IpAddr& destination) const;
  // The appliance's address of the destination's family (source of ARP requests / NS), if any.
  std::optional<IpAddr> own_address(bool v4) const { return v4 ? ip4 : ip6; }
  // TCP MSS for a peer on this link: MTU minus IP and TCP headers.
  uint16_t mss(bool v4) const { return static_cast<uint16_t>(mtu - (v4 ? 40 : 60)); }
};

struct PortTls;   // dataplane/session_tls.h

struct VipPort {
  std::string vip_name;
  IpAddr extip;
  uint16_t port = 0;
  IpAddr mappedip;
  uint16_t mapped_port = 0;
  bool inspected = false;  // proxied through the split proxy and the inspector; else DNAT pass-through
  const PortTls* tls = nullptr;   // the port's TLS (dataplane/session_tls.h); nullptr: plaintext only
};

struct LiveTopology {
  LinkConfig outside, inside;
  std::vector<VipPort> vip_ports;
  std::vector<IpAddr> outside_addresses;  // VIPs + the outside interface's own: answered by ARP/ND/ICMP echo
  std::vector<IpAddr> inside_addresses;   // the inside interface's own addresses

  const VipPort* find_vip_port(const IpAddr& address, uint16_t port) const;
  bool is_vip_address(const IpAddr& address) const;
  // An address only the inside or the appliance itself may use as a source: the inside prefixes, the backends
  // (mappedip), and the appliance's own addresses on either side. On the outside port such a source is spoofed
  // (RFC 2827 ingress filtering, THREATS TCP-9).
  bool is_inside_or_own_address(const IpAddr& address) const;
};

// Builds the topology; false with one message per problem (joined by newlines) in *error.
bool build_live_topology(const control::Policy&, LiveTopology* out, std::string* error);

}  // namespace sluice::dataplane
