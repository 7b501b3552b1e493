// dataplane/live_topology.cc — see live_topology.h.
#include "dataplane/live_topology.h"

#include <algorithm>

namespace sluice::dataplane {

namespace {

class Problems {
 public:
  void add(const std::string& what) { text_ += (text_.empty() ? "" : "\n") + what; }
  bool any() const { return !text_.empty(); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// "10.0.0.1/24" -> the address and the link prefix.
void bind_address(const std::string& text, bool want_v4, const std::string& where, std::optional<IpAddr>* address,
                  std::optional<Cidr>* network, Problems& problems) {
  if (text.empty()) return;
  const std::optional<IpAddr> host = IpAddr::parse(text.substr(0, text.find('/')));
  const std::optional<Cidr> prefix = Cidr::parse(text);
  if (!host || !prefix || host->is_v4() != want_v4) {
    problems.add(where + " wants an " + (want_v4 ? "IPv4" : "IPv6") + " address/prefix, got '" + text + "'");
    return;
  }
  *address = host;
  *network = prefix;
}

void bind_gateway(const std::string& text, bool want_v4, const std::string& where, std::optional<IpAddr>* out,
                  Problems& problems) {
  if (text.empty()) return;
  const std::optional<IpAddr> gateway = IpAddr::parse(text);
  if (!gateway || gateway->is_v4() != want_v4) {
    problems.add(where + " wants an " + (want_v4 ? "IPv4" : "IPv6") + " address, got '" + text + "'");
    return;
  }
  *out = gateway;
}

bool bind_link(const control::Policy& policy, const std::string& name, LinkConfig* link, Problems& problems) {
  const auto found = std::find_if(policy.interfaces.begin(), policy.interfaces.end(),
                                  [&](const control::Interface& i) { return i.name == name; });
  if (found == policy.interfaces.end()) {
    problems.add("config system interface: live mode needs an entry named \"" + name + "\"");
    return false;
  }
  const std::string where = "system interface \"" + name + "\": ";
  link->name = name;
  link->port_id = static_cast<uint16_t>(found->port);
  link->mtu = static_cast<uint16_t>(found->mtu);
  bind_address(found->ip, true, where + "ip", &link->ip4, &link->net4, problems);
  bind_address(found->ip6, false, where + "ip6", &link->ip6, &link->net6, problems);
  bind_gateway(found->gateway, true, where + "gateway", &link->gateway4, problems);
  bind_gateway(found->gateway6, false, where + "gateway6", &link->gateway6, problems);
  if (!link->ip4 && !link->ip6) problems.add(where + "needs an ip or an ip6 address");
  return true;
}

}  // namespace

std::optional<IpAddr> LinkConfig::next_hop(const IpAddr& destination) const {
  const std::optional<Cidr>& network = destination.is_v4() ? net4 : net6;
  if (network && network->contains(destination)) return destination;
  const std::optional<IpAddr>& gateway = destination.is_v4() ? gateway4 : gateway6;
  if (gateway) return gateway;
  return std::nullopt;
}

const VipPort* LiveTopology::find_vip_port(const IpAddr& address, uint16_t port) const {
  for (const VipPort& vip : vip_ports) {
    if (vip.port == port && vip.extip == address) return &vip;
  }
  return nullptr;
}

bool LiveTopology::is_vip_address(const IpAddr& address) const {
  return std::any_of(vip_ports.begin(), vip_ports.end(), [&](const VipPort& v) { return v.extip == address; });
}

bool LiveTopology::is_inside_or_own_address(const IpAddr& address) const {
  if ((inside.net4 && inside.net4->contains(address)) || (inside.net6 && inside.net6->contains(address))) return true;
  auto listed = [&](const std::vector<IpAddr>& list) { return std::find(list.begin(), list.end(), address) != list.end(); };
  return listed(inside_addresses) || listed(outside_addresses) ||
         std::any_of(vip_ports.begin(), vip_ports.end(), [&](const VipPort& v) { return v.mappedip == address; });
}

bool build_live_topology(const control::Policy& policy, LiveTopology* out, std::string* error) {
  Problems problems;
  LiveTopology topology;
  const bool have_outside = bind_link(policy, "outside", &topology.outside, problems);
  const bool have_inside = bind_link(policy, "inside", &topology.inside, problems);
  if (have_outside && have_inside && topology.outside.port_id == topology.inside.port_id) {
    problems.add("system interface: \"outside\" and \"inside\" use the same port " +
                 std::to_string(topology.outside.port_id));
  }
  if (policy.vips.empty()) problems.add("config firewall vip: live mode publishes nothing without a VIP");
  for (const control::Vip& vip : policy.vips) {
    const std::string where = "firewall vip \"" + vip.name + "\": ";
    const std::optional<IpAddr> extip = IpAddr::parse(vip.extip);
    const std::optional<IpAddr> mapped = IpAddr::parse(vip.mappedip);
    if (!extip || !mapped) {
      problems.add(where + "extip and mappedip must be addresses");
      continue;
    }
    if (extip->is_v4() != mapped->is_v4()) {
      problems.add(where + "extip and mappedip must be of the same family (no NAT46/64)");
      continue;
    }
    const std::vector<uint16_t>& ports = vip.ports.empty() ? policy.smtp.ports : vip.ports;
    for (const uint16_t port : ports) {
      if (topology.find_vip_port(*extip, port) != nullptr) {
        problems.add(where + "port " + std::to_string(port) + " of " + vip.extip + " is published twice");
        continue;
      }
      const bool inspected =
          std::find(policy.smtp.ports.begin(), policy.smtp.ports.end(), port) != policy.smtp.ports.end();
      topology.vip_ports.push_back(VipPort{vip.name, *extip, port, *mapped,
                                           vip.mappedport != 0 ? vip.mappedport : port, inspected});
    }
    if (std::find(topology.outside_addresses.begin(), topology.outside_addresses.end(), *extip) ==
        topology.outside_addresses.end()) {
      topology.outside_addresses.push_back(*extip);
    }
  }
  for (const auto& own : {topology.outside.ip4, topology.outside.ip6}) {
    if (own) topology.outside_addresses.push_back(*own);
  }
  for (const auto& own : {topology.inside.ip4, topology.inside.ip6}) {
    if (own) topology.inside_addresses.push_back(*own);
  }
  if (problems.any()) {
    *error = problems.text();
    return false;
  }
  *out = std::move(topology);
  return true;
}

}  // namespace sluice::dataplane
