#include "dataplane/ip_address.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace sluice::dataplane {
namespace {

std::string text(const IpAddr& a) {
  char buffer[48];
  return std::string(a.format(buffer));
}

TEST(IpAddr, ParsesAndFormatsIpv4) {
  const auto a = IpAddr::parse("198.51.100.10");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->width(), 32u);
  EXPECT_EQ(a->v4_bytes()[0], 198);
  EXPECT_EQ(a->v4_bytes()[3], 10);
  EXPECT_EQ(*a, IpAddr::v4(198, 51, 100, 10));
  EXPECT_EQ(text(*a), "198.51.100.10");
}

TEST(IpAddr, ParsesAndFormatsIpv6Rfc5952) {
  const auto a = IpAddr::parse("2001:0db8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v6());
  EXPECT_EQ(a->width(), 128u);
  EXPECT_EQ(text(*a), "2001:db8::1");
  EXPECT_EQ(a->bytes[0], 0x20);
  EXPECT_EQ(a->bytes[15], 0x01);
}

TEST(IpAddr, RejectsGarbage) {
  EXPECT_FALSE(IpAddr::parse(""));
  EXPECT_FALSE(IpAddr::parse("1.2.3"));
  EXPECT_FALSE(IpAddr::parse("256.1.1.1"));
  EXPECT_FALSE(IpAddr::parse(" 1.2.3.4"));
  EXPECT_FALSE(IpAddr::parse("2001:db8::1::2"));
  EXPECT_FALSE(IpAddr::parse(std::string(100, '1')));
}

TEST(IpAddr, PredicatesAndOrder) {
  EXPECT_TRUE(IpAddr::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddr::parse("::")->is_unspecified());
  EXPECT_FALSE(IpAddr::parse("::1")->is_unspecified());
  EXPECT_TRUE(IpAddr::parse("224.0.0.1")->is_multicast());
  EXPECT_TRUE(IpAddr::parse("ff02::1")->is_multicast());
  EXPECT_FALSE(IpAddr::parse("10.0.0.1")->is_multicast());
  EXPECT_LT(*IpAddr::parse("10.0.0.1"), *IpAddr::parse("10.0.0.2"));
  EXPECT_LT(*IpAddr::parse("::1"), *IpAddr::parse("10.0.0.2"));  // mapped addresses sort after ::1
  EXPECT_NE(*IpAddr::parse("10.0.0.1"), *IpAddr::parse("::a00:1"));  // not mapped: a different address
}

TEST(IpAddr, HashSpreadsAndAgreesWithEquality) {
  std::unordered_set<IpAddr> set;
  for (int i = 0; i < 1000; ++i) set.insert(IpAddr::v4(10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)));
  EXPECT_EQ(set.size(), 1000u);
  EXPECT_EQ(IpAddr::v4(10, 0, 0, 1).hash(), IpAddr::parse("10.0.0.1")->hash());
  std::unordered_set<uint64_t> low_bits;
  for (const IpAddr& a : set) low_bits.insert(a.hash() & 2047);
  EXPECT_GT(low_bits.size(), 600u);  // 1000 keys into 2048 buckets: well spread
}

TEST(Cidr, MatchesIpv4Prefixes) {
  const auto c = Cidr::parse("10.1.2.3/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix_len, 16);
  EXPECT_EQ(text(c->base), "10.1.0.0");
  EXPECT_TRUE(c->contains(*IpAddr::parse("10.1.255.255")));
  EXPECT_FALSE(c->contains(*IpAddr::parse("10.2.0.0")));
  EXPECT_TRUE(c->contains(*IpAddr::parse("::ffff:10.1.0.1")));  // the mapped form is the IPv4 address
  EXPECT_FALSE(c->contains(*IpAddr::parse("::a01:1")));
  const auto odd = Cidr::parse("192.168.1.130/25");
  ASSERT_TRUE(odd);
  EXPECT_EQ(text(odd->base), "192.168.1.128");
  EXPECT_TRUE(odd->contains(*IpAddr::parse("192.168.1.255")));
  EXPECT_FALSE(odd->contains(*IpAddr::parse("192.168.1.127")));
  const auto all = Cidr::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(*IpAddr::parse("203.0.113.1")));
  EXPECT_FALSE(all->contains(*IpAddr::parse("2001:db8::1")));  // families never match each other
  const auto host = Cidr::parse("10.0.0.25");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix_len, 32);
  EXPECT_TRUE(host->contains(*IpAddr::parse("10.0.0.25")));
  EXPECT_FALSE(host->contains(*IpAddr::parse("10.0.0.24")));
}

TEST(Cidr, MatchesIpv6Prefixes) {
  const auto c = Cidr::parse("2001:db8:abcd::/36");
  ASSERT_TRUE(c);
  EXPECT_EQ(text(c->base), "2001:db8:a000::");
  EXPECT_TRUE(c->contains(*IpAddr::parse("2001:db8:afff::1")));
  EXPECT_FALSE(c->contains(*IpAddr::parse("2001:db8:b000::1")));
  EXPECT_FALSE(c->contains(*IpAddr::parse("10.0.0.1")));
  const auto all = Cidr::parse("::/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(*IpAddr::parse("fe80::1")));
}

TEST(Cidr, RejectsBadLengths) {
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/x"));
  EXPECT_FALSE(Cidr::parse("2001:db8::/129"));
  EXPECT_FALSE(Cidr::parse("nonsense/8"));
}

TEST(LocalAddresses, OwnsOnlyListed) {
  const IpAddr owned[] = {*IpAddr::parse("198.51.100.10"), *IpAddr::parse("2001:db8::25")};
  const LocalAddresses local{{2, 0, 0, 0, 0, 1}, owned};
  EXPECT_TRUE(local.owns(*IpAddr::parse("198.51.100.10")));
  EXPECT_TRUE(local.owns(*IpAddr::parse("2001:db8::25")));
  EXPECT_FALSE(local.owns(*IpAddr::parse("198.51.100.11")));
  EXPECT_TRUE(is_multicast_mac(kBroadcastMac));
  EXPECT_FALSE(is_multicast_mac(local.mac));
}

}  // namespace
}  // namespace sluice::dataplane
