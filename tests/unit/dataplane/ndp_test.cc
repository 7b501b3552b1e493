#include "dataplane/ndp.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using test::hex;

const MacAddress kOurMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const MacAddress kPeerMac = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
const IpAddr kOwned[] = {*IpAddr::parse("2001:db8::25"), *IpAddr::parse("198.51.100.10")};
const LocalAddresses kLocal{kOurMac, kOwned};

// Golden frames made with scapy 2.5 (python3-scapy):
// Ether(src=aa:bb:cc:dd:ee:ff, dst=33:33:ff:00:00:25)/IPv6(src=2001:db8::7, dst=ff02::1:ff00:25, hlim=255)
//   /ICMPv6ND_NS(tgt=2001:db8::25)/ICMPv6NDOptSrcLLAddr(lladdr=aa:bb:cc:dd:ee:ff)
const char* kNs =
    "3333ff000025aabbccddeeff86dd6000000000203aff20010db8000000000000000000000007ff0200000000000000000001ff000025"
    "8700b7420000000020010db80000000000000000000000250101aabbccddeeff";
// Ether(dst=aa:bb:cc:dd:ee:ff, src=02:00:00:00:00:01)/IPv6(src=2001:db8::25, dst=2001:db8::7, hlim=255)
//   /ICMPv6ND_NA(tgt=2001:db8::25, R=0, S=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr=02:00:00:00:00:01)
const char* kNa =
    "aabbccddeeff02000000000186dd6000000000203aff20010db800000000000000000000002520010db8000000000000000000000007"
    "88008a266000000020010db80000000000000000000000250201020000000001";
// Ether(dst=33:33:ff:00:00:07, src=02:00:00:00:00:01)/IPv6(src=2001:db8::25, dst=ff02::1:ff00:7, hlim=255)
//   /ICMPv6ND_NS(tgt=2001:db8::7)/ICMPv6NDOptSrcLLAddr(lladdr=02:00:00:00:00:01)
const char* kOurNs =
    "3333ff00000702000000000186dd6000000000203aff20010db8000000000000000000000025ff0200000000000000000001ff000007"
    "87001bf90000000020010db80000000000000000000000070101020000000001";

TEST(Ndp, AnswersSolicitationGoldenBytesAndLearnsSource) {
  NeighbourTable table;
  const Bytes ns = hex(kNs);
  uint8_t out[128];
  const NdpResult r = handle_ndp(ns.data(), ns.size(), kLocal, table, 0, out, sizeof out);
  ASSERT_EQ(r.action, NdpAction::Reply);
  ASSERT_EQ(r.reply_len, 86u);
  EXPECT_EQ(test::to_hex(out, r.reply_len), kNa);
  EXPECT_TRUE(test::l4_verifies(Bytes(out, out + r.reply_len)));
  EXPECT_EQ(table.lookup(*IpAddr::parse("2001:db8::7"), 0), kPeerMac);
}

TEST(Ndp, AnswersUnicastSolicitationWithoutOptionToEthernetSource) {
  NeighbourTable table;
  uint8_t ns_frame[128];
  // A unicast NS (re-checking a Stale entry) sent to our MAC at 2001:db8::25; strip the option.
  const MacAddress peer_as_unicast = kOurMac;
  size_t n = build_neighbor_solicitation(kPeerMac, *IpAddr::parse("2001:db8::7"), *IpAddr::parse("2001:db8::25"),
                                         0, ns_frame, sizeof ns_frame, &peer_as_unicast);
  ASSERT_EQ(n, 86u);
  ns_frame[14 + 5] = 24;  // payload length without the option
  n -= 8;
  Bytes ns(ns_frame, ns_frame + n);
  // Fix the checksum for the shorter message with the test's own arithmetic.
  ns[14 + 40 + 2] = ns[14 + 40 + 3] = 0;
  Bytes pseudo(ns.begin() + 14 + 8, ns.begin() + 14 + 40);
  pseudo.insert(pseudo.end(), {0, 0, 0, 24, 0, 0, 0, 58});
  pseudo.insert(pseudo.end(), ns.begin() + 54, ns.end());
  const uint16_t check = static_cast<uint16_t>(~test::reference_ones_sum(pseudo));
  ns[56] = static_cast<uint8_t>(check >> 8);
  ns[57] = static_cast<uint8_t>(check);
  ASSERT_TRUE(test::l4_verifies(ns));
  uint8_t out[128];
  const NdpResult r = handle_ndp(ns.data(), ns.size(), kLocal, table, 0, out, sizeof out);
  ASSERT_EQ(r.action, NdpAction::Reply);
  EXPECT_EQ(test::to_hex(out, 6), "aabbccddeeff");  // to the Ethernet source: no option to learn from
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(out[14 + 40 + 4], kNaFlagSolicited | kNaFlagOverride);
}

TEST(Ndp, DuplicateAddressDetectionGetsMulticastAdvertisement) {
  NeighbourTable table;
  Bytes ns = hex(kNs);
  // Source :: and no option (RFC 4862 DAD probe for our address).
  std::fill(ns.begin() + 22, ns.begin() + 38, 0);
  ns[18] = 0;
  ns[19] = 24;
  ns.erase(ns.end() - 8, ns.end());
  ns[56] = ns[57] = 0;
  Bytes pseudo(ns.begin() + 22, ns.begin() + 54);
  pseudo.insert(pseudo.end(), {0, 0, 0, 24, 0, 0, 0, 58});
  pseudo.insert(pseudo.end(), ns.begin() + 54, ns.end());
  const uint16_t check = static_cast<uint16_t>(~test::reference_ones_sum(pseudo));
  ns[56] = static_cast<uint8_t>(check >> 8);
  ns[57] = static_cast<uint8_t>(check);
  uint8_t out[128];
  const NdpResult r = handle_ndp(ns.data(), ns.size(), kLocal, table, 0, out, sizeof out);
  ASSERT_EQ(r.action, NdpAction::Reply);
  const Bytes na(out, out + r.reply_len);
  EXPECT_EQ(test::to_hex(out, 6), "333300000001");
  EXPECT_EQ(test::to_hex(out + 14 + 24, 16), "ff020000000000000000000000000001");
  EXPECT_EQ(out[14 + 40 + 4], kNaFlagOverride);  // not solicited
  EXPECT_TRUE(test::l4_verifies(na));
  EXPECT_EQ(table.size(), 0u);
}

TEST(Ndp, RejectsInvalidSolicitations) {
  NeighbourTable table;
  uint8_t out[128];
  Bytes ns = hex(kNs);
  ns[21] = 64;  // hop limit not 255: crossed a router
  EXPECT_EQ(handle_ndp(ns.data(), ns.size(), kLocal, table, 0, out, sizeof out).action, NdpAction::Invalid);
  ns = hex(kNs);
  ns[57] ^= 1;  // checksum
  EXPECT_EQ(handle_ndp(ns.data(), ns.size(), kLocal, table, 0, out, sizeof out).action, NdpAction::Invalid);
  ns = hex(kNs);
  ns[79] = 0;  // option length 0 (checksum fixed below)
  ns[57] = 0x43;  // the sum is 1 less, so the checksum 1 more: only the option is wrong
  EXPECT_EQ(handle_ndp(ns.data(), ns.size(), kLocal, table, 0, out, sizeof out).action, NdpAction::Invalid);
  EXPECT_EQ(table.size(), 0u);
}

TEST(Ndp, SolicitationForAnotherTargetLearnsButDoesNotAnswer) {
  NeighbourTable table;
  uint8_t ns_frame[128];
  const size_t n = build_neighbor_solicitation(kPeerMac, *IpAddr::parse("2001:db8::7"),
                                               *IpAddr::parse("2001:db8::99"), 0, ns_frame, sizeof ns_frame);
  uint8_t out[128];
  const NdpResult r = handle_ndp(ns_frame, n, kLocal, table, 0, out, sizeof out);
  EXPECT_EQ(r.action, NdpAction::Learned);
  EXPECT_EQ(r.reply_len, 0u);
  EXPECT_EQ(table.lookup(*IpAddr::parse("2001:db8::7"), 0), kPeerMac);
}

TEST(Ndp, LearnsFromAdvertisementOnlyWhenAsked) {
  NeighbourTable table;
  // The golden NA, as if 2001:db8::25 were a neighbour answering us (we are some other host here).
  const Bytes na = hex(kNa);
  const IpAddr other_owned[] = {*IpAddr::parse("2001:db8::7")};
  const LocalAddresses other{kPeerMac, other_owned};
  uint8_t out[128];
  EXPECT_EQ(handle_ndp(na.data(), na.size(), other, table, 0, out, sizeof out).action, NdpAction::Ignored);
  EXPECT_EQ(table.size(), 0u);
  ASSERT_TRUE(table.needs_resolution(*IpAddr::parse("2001:db8::25"), 0));  // we sent an NS
  EXPECT_EQ(handle_ndp(na.data(), na.size(), other, table, 1, out, sizeof out).action, NdpAction::Learned);
  EXPECT_EQ(table.lookup(*IpAddr::parse("2001:db8::25"), 1), kOurMac);
}

TEST(Ndp, BuildsSolicitationGoldenBytes) {
  uint8_t out[128];
  const size_t n = build_neighbor_solicitation(kOurMac, *IpAddr::parse("2001:db8::25"),
                                               *IpAddr::parse("2001:db8::7"), 0, out, sizeof out);
  ASSERT_EQ(n, 86u);
  EXPECT_EQ(test::to_hex(out, n), kOurNs);
  const size_t tagged = build_neighbor_solicitation(kOurMac, *IpAddr::parse("2001:db8::25"),
                                                    *IpAddr::parse("2001:db8::7"), 7, out, sizeof out);
  ASSERT_EQ(tagged, 90u);
  EXPECT_EQ(test::to_hex(out + 12, 6), "8100000786dd");
  EXPECT_TRUE(test::l4_verifies(Bytes(out, out + tagged)));
  EXPECT_EQ(build_neighbor_solicitation(kOurMac, *IpAddr::parse("2001:db8::25"), *IpAddr::parse("2001:db8::7"), 0,
                                        out, 85),
            0u);
  EXPECT_EQ(build_neighbor_solicitation(kOurMac, IpAddr::v4(1, 2, 3, 4), *IpAddr::parse("2001:db8::7"), 0, out,
                                        sizeof out),
            0u);
}

TEST(Ndp, SolicitedNodeAddressing) {
  const IpAddr g = solicited_node_multicast(*IpAddr::parse("2001:db8::abcd:1234:5678"));
  char buffer[48];
  EXPECT_EQ(g.format(buffer), "ff02::1:ff34:5678");
  const MacAddress m = ipv6_multicast_mac(g);
  EXPECT_EQ(test::to_hex(m.data(), 6), "3333ff345678");
}

}  // namespace
}  // namespace sluice::dataplane
