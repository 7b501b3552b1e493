#include "dataplane/nat_rewrite.h"

#include <gtest/gtest.h>

#include "dataplane/frame_builder.h"
#include "dataplane/packet_parser.h"
#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;

const MacAddress kOurMac = {0x02, 0, 0, 0, 0, 0x01};
const MacAddress kBackendMac = {0x02, 0, 0, 0, 0, 0x25};
const MacAddress kRouterMac = {0x02, 0, 0, 0, 0, 0xfe};

Bytes client_segment(const char* client, const char* vip, uint16_t vlan = 0) {
  TcpFrameSpec s;
  s.src_mac = kRouterMac;
  s.dst_mac = kOurMac;
  s.vlan = vlan;
  s.src_ip = *IpAddr::parse(client);
  s.dst_ip = *IpAddr::parse(vip);
  s.src_port = 51515;
  s.dst_port = 25;
  s.seq = 42;
  s.ack = 4242;
  s.flags = kTcpAck | kTcpPsh;
  s.window = 1000;
  s.payload[0] = "EHLO client.example\r\n";
  uint8_t out[256];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  return Bytes(out, out + b.length);
}

PacketView parse(const Bytes& f) {
  PacketView v;
  EXPECT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(f.data()), f.size()), v), ParseResult::Tcp);
  return v;
}

TEST(NatRewrite, Ipv4DnatThenUnDnatRoundTrip) {
  Bytes f = client_segment("203.0.113.7", "198.51.100.10", 100);
  const Bytes original = f;
  const NatRewrite dnat{NatSide::Destination, *IpAddr::parse("10.0.0.25"), 2525, kOurMac, kBackendMac};
  ASSERT_EQ(apply_nat(f.data(), f.size(), dnat), NatResult::Rewritten);
  EXPECT_TRUE(test::ipv4_header_verifies(f));
  EXPECT_TRUE(test::l4_verifies(f));
  PacketView v = parse(f);
  EXPECT_EQ(IpAddr::from_bytes(v.src), *IpAddr::parse("203.0.113.7"));
  EXPECT_EQ(IpAddr::from_bytes(v.dst), *IpAddr::parse("10.0.0.25"));
  EXPECT_EQ(v.src_port, 51515);
  EXPECT_EQ(v.dst_port, 2525);
  EXPECT_EQ(v.vlan, 100);
  EXPECT_EQ(v.payload, "EHLO client.example\r\n");
  EXPECT_EQ(test::to_hex(f.data(), 12), "020000000025020000000001");

  // The backend's answer travels back: un-DNAT its source to the VIP. Here the same bytes, turned round.
  Bytes answer = client_segment("10.0.0.25", "203.0.113.7", 100);
  const NatRewrite undnat{NatSide::Source, *IpAddr::parse("198.51.100.10"), 25, kOurMac, kRouterMac};
  ASSERT_EQ(apply_nat(answer.data(), answer.size(), undnat), NatResult::Rewritten);
  EXPECT_TRUE(test::ipv4_header_verifies(answer));
  EXPECT_TRUE(test::l4_verifies(answer));
  v = parse(answer);
  EXPECT_EQ(IpAddr::from_bytes(v.src), *IpAddr::parse("198.51.100.10"));
  EXPECT_EQ(v.src_port, 25);

  // Rewriting back to the original addresses restores the original bytes, checksums included.
  const NatRewrite back{NatSide::Destination, *IpAddr::parse("198.51.100.10"), 25, kRouterMac, kOurMac};
  ASSERT_EQ(apply_nat(f.data(), f.size(), back), NatResult::Rewritten);
  EXPECT_EQ(test::to_hex(f.data(), f.size()), test::to_hex(original.data(), original.size()));
}

TEST(NatRewrite, MatchesFullRecomputationOverManyAddresses) {
  for (int i = 0; i < 256; ++i) {
    Bytes f = client_segment("203.0.113.7", "198.51.100.10");
    const NatRewrite dnat{NatSide::Destination, IpAddr::v4(static_cast<uint8_t>(i), static_cast<uint8_t>(255 - i), 0xff, 0),
                          static_cast<uint16_t>(i * 257), kOurMac, kBackendMac};
    ASSERT_EQ(apply_nat(f.data(), f.size(), dnat), NatResult::Rewritten);
    ASSERT_TRUE(test::ipv4_header_verifies(f)) << i;
    ASSERT_TRUE(test::l4_verifies(f)) << i;
  }
}

TEST(NatRewrite, Ipv6Dnat) {
  Bytes f = client_segment("2001:db8:1::7", "2001:db8::25");
  const NatRewrite dnat{NatSide::Destination, *IpAddr::parse("fd00::25"), 25, kOurMac, kBackendMac};
  ASSERT_EQ(apply_nat(f.data(), f.size(), dnat), NatResult::Rewritten);
  EXPECT_TRUE(test::l4_verifies(f));
  const PacketView v = parse(f);
  EXPECT_EQ(IpAddr::from_bytes(v.dst), *IpAddr::parse("fd00::25"));
  const NatRewrite undnat{NatSide::Source, *IpAddr::parse("2001:db8::99"), 587, kOurMac, kRouterMac};
  ASSERT_EQ(apply_nat(f.data(), f.size(), undnat), NatResult::Rewritten);
  EXPECT_TRUE(test::l4_verifies(f));
  EXPECT_EQ(parse(f).src_port, 587);
}

TEST(NatRewrite, RefusesWhatItCannotRewrite) {
  Bytes f = client_segment("203.0.113.7", "198.51.100.10");
  const NatRewrite v6{NatSide::Destination, *IpAddr::parse("fd00::25"), 25, kOurMac, kBackendMac};
  EXPECT_EQ(apply_nat(f.data(), f.size(), v6), NatResult::FamilyMismatch);
  f[14 + 6] = 0x20;  // MF: a fragment
  const NatRewrite v4{NatSide::Destination, *IpAddr::parse("10.0.0.25"), 25, kOurMac, kBackendMac};
  EXPECT_EQ(apply_nat(f.data(), f.size(), v4), NatResult::NotTcp);
  Bytes arp = test::hex("ffffffffffff aabbccddeeff 0806 0001 0800 06 04 0001 aabbccddeeff c6336407 000000000000 c633640a");
  EXPECT_EQ(apply_nat(arp.data(), arp.size(), v4), NatResult::NotTcp);
}

}  // namespace
}  // namespace sluice::dataplane
