#include "dataplane/arp.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using test::hex;

const MacAddress kOurMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const IpAddr kOwned[] = {IpAddr::v4(198, 51, 100, 10), IpAddr::v4(198, 51, 100, 1)};
const LocalAddresses kLocal{kOurMac, kOwned};

// who-has 198.51.100.10 tell 198.51.100.7 (aa:bb:cc:dd:ee:ff), broadcast.
Bytes request_for(std::string_view target_hex, std::string_view tags = "") {
  return hex(std::string("ffffffffffff aabbccddeeff ") + std::string(tags) +
             "0806 0001 0800 06 04 0001 aabbccddeeff c6336407 000000000000 " + std::string(target_hex));
}

TEST(Arp, RepliesToRequestForOurAddressGoldenBytes) {
  NeighbourTable table;
  const Bytes req = request_for("c633640a");
  uint8_t out[128];
  const ArpResult r = handle_arp(req.data(), req.size(), kLocal, table, 0, out, sizeof out);
  ASSERT_EQ(r.action, ArpAction::Reply);
  ASSERT_EQ(r.reply_len, 60u);
  const Bytes golden = hex(
      "aabbccddeeff 020000000001 0806"
      "0001 0800 06 04 0002 020000000001 c633640a aabbccddeeff c6336407"
      "000000000000000000000000000000000000");
  EXPECT_EQ(test::to_hex(out, r.reply_len), test::to_hex(golden.data(), golden.size()));
  EXPECT_EQ(table.lookup(IpAddr::v4(198, 51, 100, 7), 0), (MacAddress{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}));
}

TEST(Arp, ReplyKeepsVlanTag) {
  NeighbourTable table;
  const Bytes req = request_for("c6336401", "8100 0064 ");
  uint8_t out[128];
  const ArpResult r = handle_arp(req.data(), req.size(), kLocal, table, 0, out, sizeof out);
  ASSERT_EQ(r.action, ArpAction::Reply);
  EXPECT_EQ(r.reply_len, 60u);
  EXPECT_EQ(test::to_hex(out, 18), "aabbccddeeff020000000001810000640806");
  EXPECT_EQ(test::to_hex(out + 18, 28), "0001080006040002" "020000000001" "c6336401" "aabbccddeeff" "c6336407");
}

TEST(Arp, RequestForSomeoneElseIsNotAnsweredNorLearned) {
  NeighbourTable table;
  const Bytes req = request_for("c6336463");
  uint8_t out[128];
  const ArpResult r = handle_arp(req.data(), req.size(), kLocal, table, 0, out, sizeof out);
  EXPECT_EQ(r.action, ArpAction::Ignored);
  EXPECT_EQ(r.reply_len, 0u);
  EXPECT_EQ(table.size(), 0u);
  // ... but an already known sender is refreshed.
  table.learn(IpAddr::v4(198, 51, 100, 7), {2, 2, 2, 2, 2, 2}, 0);
  EXPECT_EQ(handle_arp(req.data(), req.size(), kLocal, table, 5, out, sizeof out).action, ArpAction::Learned);
  EXPECT_EQ(table.lookup(IpAddr::v4(198, 51, 100, 7), 5), (MacAddress{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}));
  EXPECT_EQ(table.find(IpAddr::v4(198, 51, 100, 7), 5)->learned_at, 5u);
}

TEST(Arp, GratuitousArpIsLearned) {
  NeighbourTable table;
  const Bytes garp = hex("ffffffffffff 020000000099 0806 0001 0800 06 04 0001 020000000099 c6336463 "
                         "000000000000 c6336463");
  uint8_t out[128];
  const ArpResult r = handle_arp(garp.data(), garp.size(), kLocal, table, 0, out, sizeof out);
  EXPECT_EQ(r.action, ArpAction::Learned);
  EXPECT_EQ(table.lookup(IpAddr::v4(198, 51, 100, 99), 0), (MacAddress{2, 0, 0, 0, 0, 0x99}));
}

TEST(Arp, ReplyToOurRequestIsLearned) {
  NeighbourTable table;
  const Bytes reply = hex("020000000001 020000000042 0806 0001 0800 06 04 0002 020000000042 c6336442 "
                          "020000000001 c6336401");
  uint8_t out[128];
  EXPECT_EQ(handle_arp(reply.data(), reply.size(), kLocal, table, 0, out, sizeof out).action, ArpAction::Learned);
  EXPECT_EQ(table.lookup(IpAddr::v4(198, 51, 100, 0x42), 0), (MacAddress{2, 0, 0, 0, 0, 0x42}));
}

TEST(Arp, ProbeIsAnsweredButNotLearned) {
  NeighbourTable table;
  const Bytes probe = hex("ffffffffffff aabbccddeeff 0806 0001 0800 06 04 0001 aabbccddeeff 00000000 "
                          "000000000000 c633640a");
  uint8_t out[128];
  const ArpResult r = handle_arp(probe.data(), probe.size(), kLocal, table, 0, out, sizeof out);
  EXPECT_EQ(r.action, ArpAction::Reply);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(test::to_hex(out + 14 + 18, 10), "aabbccddeeff00000000");  // THA/TPA = the prober
}

TEST(Arp, RejectsOtherFramesAndSmallBuffers) {
  NeighbourTable table;
  uint8_t out[128];
  Bytes req = request_for("c633640a");
  EXPECT_EQ(handle_arp(req.data(), 41, kLocal, table, 0, out, sizeof out).action, ArpAction::NotArp);
  EXPECT_EQ(handle_arp(req.data(), req.size(), kLocal, table, 0, out, 59).action, ArpAction::NoRoom);
  req[14 + 5] = 16;  // plen 16: not IPv4 ARP
  EXPECT_EQ(handle_arp(req.data(), req.size(), kLocal, table, 0, out, sizeof out).action, ArpAction::NotArp);
  const Bytes ip = hex("ffffffffffff aabbccddeeff 0800 4500");
  EXPECT_EQ(handle_arp(ip.data(), ip.size(), kLocal, table, 0, out, sizeof out).action, ArpAction::NotArp);
}

TEST(Arp, BuildsRequest) {
  uint8_t out[64];
  const size_t n = build_arp_request(kOurMac, IpAddr::v4(198, 51, 100, 1), IpAddr::v4(198, 51, 100, 7), 0, out,
                                     sizeof out);
  ASSERT_EQ(n, 60u);
  EXPECT_EQ(test::to_hex(out, 42),
            "ffffffffffff" "020000000001" "0806" "0001080006040001" "020000000001" "c6336401" "000000000000" "c6336407");
  const size_t tagged = build_arp_request(kOurMac, IpAddr::v4(198, 51, 100, 1), IpAddr::v4(198, 51, 100, 7), 100,
                                          out, sizeof out);
  EXPECT_EQ(tagged, 60u);
  EXPECT_EQ(test::to_hex(out + 12, 6), "810000640806");
  EXPECT_EQ(build_arp_request(kOurMac, *IpAddr::parse("2001:db8::1"), IpAddr::v4(1, 2, 3, 4), 0, out, sizeof out), 0u);
  EXPECT_EQ(build_arp_request(kOurMac, IpAddr::v4(1, 2, 3, 4), IpAddr::v4(1, 2, 3, 5), 0, out, 59), 0u);
}

}  // namespace
}  // namespace sluice::dataplane
