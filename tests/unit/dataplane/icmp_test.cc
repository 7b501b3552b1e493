#include "dataplane/icmp.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using test::hex;

const MacAddress kOurMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const IpAddr kOwned[] = {IpAddr::v4(198, 51, 100, 10), *IpAddr::parse("2001:db8::25")};
const LocalAddresses kLocal{kOurMac, kOwned};

// Made with scapy 2.5: Ether()/IP(src=198.51.100.7, dst=198.51.100.10, ttl=57, id=0x4242, flags=DF)
//   /ICMP(type=8, id=0x1234, seq=7)/"ping-payload!" and the reply scapy builds with TTL 64.
const char* kEcho4 =
    "020000000001aabbccddeeff080045000029424240003901ab19c6336407c633640a080089361234000770696e672d7061796c6f616421";
const char* kReply4 =
    "aabbccddeeff020000000001080045000029424240004001a419c633640ac6336407000091361234000770696e672d7061796c6f616421";
const char* kEcho6 =
    "020000000001aabbccddeeff86dd6000000000153a4020010db800000000000000000000000720010db8000000000000000000000025"
    "8000b5481234000770696e672d7061796c6f616421";
const char* kReply6 =
    "aabbccddeeff02000000000186dd6000000000153a4020010db800000000000000000000002520010db8000000000000000000000007"
    "8100b4481234000770696e672d7061796c6f616421";

TEST(Icmp, Ipv4EchoReplyMatchesScapy) {
  const Bytes req = hex(kEcho4);
  uint8_t out[256];
  const size_t n = build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out);
  ASSERT_EQ(n, 60u);  // 55 bytes padded to the Ethernet minimum
  EXPECT_EQ(test::to_hex(out, 55), kReply4);
  EXPECT_EQ(test::to_hex(out + 55, 5), "0000000000");
  const Bytes reply(out, out + n);
  EXPECT_TRUE(test::ipv4_header_verifies(reply));
  EXPECT_TRUE(test::l4_verifies(reply));
}

TEST(Icmp, Ipv6EchoReplyMatchesScapy) {
  const Bytes req = hex(kEcho6);
  uint8_t out[256];
  const size_t n = build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out);
  ASSERT_EQ(n, 75u);
  EXPECT_EQ(test::to_hex(out, n), kReply6);
  EXPECT_TRUE(test::l4_verifies(Bytes(out, out + n)));
}

TEST(Icmp, VlanTagKeptAndTrailerDropped) {
  Bytes req = hex(kEcho4);
  const Bytes tag = hex("81000064");
  req.insert(req.begin() + 12, tag.begin(), tag.end());
  req.insert(req.end(), {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4});  // an FCS-like trailer
  uint8_t out[256];
  const size_t n = build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out);
  ASSERT_EQ(n, 60u);  // 59 bytes + 1 pad, trailer not echoed
  EXPECT_EQ(test::to_hex(out + 12, 4), "81000064");
  EXPECT_EQ(out[59], 0);
  const Bytes reply(out, out + n);
  EXPECT_TRUE(test::ipv4_header_verifies(reply));
  EXPECT_TRUE(test::l4_verifies(reply));
}

TEST(Icmp, IgnoresWhatIsNotOurs) {
  uint8_t out[256];
  Bytes req = hex(kEcho4);
  req[33] = 11;  // destination 198.51.100.11: not ours
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out), 0u);
  req = hex(kEcho4);
  req[36] ^= 0x01;  // bad ICMP checksum
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out), 0u);
  req = hex(kEcho4);
  req[34] = 13;  // timestamp request: not echo
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out), 0u);
  req = hex(kEcho4);
  req[20] = 0x20;  // MF: a fragment
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out), 0u);
  req = hex(kEcho6);
  req[57] ^= 0x01;  // bad ICMPv6 checksum
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out), 0u);
  req = hex(kEcho6);
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, 74), 0u);  // does not fit
  IcmpConfig small;
  small.max_reply_len = 74;
  EXPECT_EQ(build_echo_reply(req.data(), req.size(), kLocal, out, sizeof out, small), 0u);
}

}  // namespace
}  // namespace sluice::dataplane
