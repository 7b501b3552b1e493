// live_topology: what a configuration makes of the two ports and the VIP table, and the checks that stop a
// configuration the live appliance could not run.
#include "dataplane/live_topology.h"

#include <gtest/gtest.h>

namespace sluice::dataplane {
namespace {

constexpr const char* kInterfaces =
    "config system interface\n"
    " edit outside\n  set port 0\n  set ip 198.51.100.1/24\n  set ip6 2001:db8:100::1/64\n"
    "  set gateway 198.51.100.254\n next\n"
    " edit inside\n  set port 1\n  set ip 10.0.0.1/24\n next\n"
    "end\n";

control::Policy policy_of(const std::string& text) {
  control::LoadResult loaded = control::load_config_text(text, "t.conf", "");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors.front().to_string());
  return loaded.policy;
}

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

TEST(LiveTopology, VipPortsInSmtpPortsAreProxiedOthersArePassThrough) {
  const control::Policy policy = policy_of(std::string(kInterfaces) +
                                           "config firewall vip\n edit a\n  set extip 198.51.100.10\n"
                                           "  set mappedip 10.0.0.25\n  set ports 25 2525\n  set mappedport 25\n"
                                           " next\nend\nconfig smtp protocol-options\n set ports 25\nend\n");
  LiveTopology t;
  std::string error;
  ASSERT_TRUE(build_live_topology(policy, &t, &error)) << error;
  const VipPort* smtp = t.find_vip_port(ip("198.51.100.10"), 25);
  const VipPort* other = t.find_vip_port(ip("198.51.100.10"), 2525);
  ASSERT_NE(smtp, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(smtp->inspected);
  EXPECT_FALSE(other->inspected);
  EXPECT_EQ(other->mapped_port, 25);
  EXPECT_EQ(other->mappedip, ip("10.0.0.25"));
  EXPECT_EQ(t.find_vip_port(ip("198.51.100.10"), 587), nullptr);  // default deny
  EXPECT_EQ(t.find_vip_port(ip("198.51.100.11"), 25), nullptr);
  // ARP/ND/ICMP answer for the VIP and the port's own addresses.
  EXPECT_EQ(t.outside_addresses,
            (std::vector<IpAddr>{ip("198.51.100.10"), ip("198.51.100.1"), ip("2001:db8:100::1")}));
  EXPECT_EQ(t.inside_addresses, (std::vector<IpAddr>{ip("10.0.0.1")}));
}

TEST(LiveTopology, VipWithoutPortsPublishesEverySmtpPortKeepingThem) {
  const control::Policy policy = policy_of(std::string(kInterfaces) +
                                           "config firewall vip\n edit a\n  set extip 198.51.100.10\n"
                                           "  set mappedip 10.0.0.25\n next\nend\n");
  LiveTopology t;
  std::string error;
  ASSERT_TRUE(build_live_topology(policy, &t, &error)) << error;
  ASSERT_EQ(t.vip_ports.size(), 3u);  // 25 465 587
  for (const VipPort& v : t.vip_ports) {
    EXPECT_TRUE(v.inspected);
    EXPECT_EQ(v.mapped_port, v.port);
  }
}

TEST(LiveTopology, NextHopIsOnLinkOrTheGateway) {
  const control::Policy policy =
      policy_of(std::string(kInterfaces) +
                "config firewall vip\n edit a\n  set extip 198.51.100.10\n  set mappedip 10.0.0.25\n next\nend\n");
  LiveTopology t;
  std::string error;
  ASSERT_TRUE(build_live_topology(policy, &t, &error)) << error;
  EXPECT_EQ(t.outside.next_hop(ip("198.51.100.77")), ip("198.51.100.77"));
  EXPECT_EQ(t.outside.next_hop(ip("203.0.113.9")), ip("198.51.100.254"));
  EXPECT_EQ(t.outside.next_hop(ip("2001:db8:100::9")), ip("2001:db8:100::9"));
  EXPECT_EQ(t.outside.next_hop(ip("2001:db8:999::9")), std::nullopt);  // no gateway6
  EXPECT_EQ(t.inside.next_hop(ip("10.1.0.1")), std::nullopt);
  EXPECT_EQ(t.outside.mss(true), 1460);
  EXPECT_EQ(t.outside.mss(false), 1440);
}

TEST(LiveTopology, EveryProblemIsNamed) {
  const control::Policy policy = policy_of(
      "config system interface\n edit outside\n  set port 1\n  set ip6 fd00::1/64\n  set gateway 10.0.0.254\n"
      " next\n edit inside\n  set port 1\n next\nend\n"
      "config firewall vip\n edit v6to4\n  set extip 2001:db8::10\n  set mappedip 10.0.0.25\n next\n"
      " edit a\n  set extip 198.51.100.10\n  set mappedip 10.0.0.25\n  set ports 25 25\n next\nend\n");
  LiveTopology t;
  std::string error;
  EXPECT_FALSE(build_live_topology(policy, &t, &error));
  EXPECT_EQ(error,
            "system interface \"inside\": needs an ip or an ip6 address\n"
            "system interface: \"outside\" and \"inside\" use the same port 1\n"
            "firewall vip \"v6to4\": extip and mappedip must be of the same family (no NAT46/64)\n"
            "firewall vip \"a\": port 25 of 198.51.100.10 is published twice");
}

TEST(LiveTopology, LiveModeNeedsBothInterfacesAndAVip) {
  LiveTopology t;
  std::string error;
  EXPECT_FALSE(build_live_topology(control::Policy{}, &t, &error));
  EXPECT_EQ(error,
            "config system interface: live mode needs an entry named \"outside\"\n"
            "config system interface: live mode needs an entry named \"inside\"\n"
            "config firewall vip: live mode publishes nothing without a VIP");
}

}  // namespace
}  // namespace sluice::dataplane
