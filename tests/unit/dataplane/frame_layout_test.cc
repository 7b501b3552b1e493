#include "dataplane/frame_layout.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using test::hex;

TEST(FrameLayout, ArpWithTwoTags) {
  const Bytes f = hex("ffffffffffff aabbccddeeff 88a8 0005 8100 0064 0806 0001 0800 06 04 0001 aabbccddeeff c6336407 "
                      "000000000000 c633640a");
  FrameLayout l;
  ASSERT_EQ(locate_layers(f.data(), f.size(), l), FrameKind::Arp);
  EXPECT_EQ(l.vlan, 5);
  EXPECT_EQ(l.l3_offset, 22u);
  EXPECT_EQ(l.l4_offset, 50u);
  EXPECT_EQ(locate_layers(f.data(), f.size() - 1, l), FrameKind::Malformed);
}

TEST(FrameLayout, Ipv4LengthsFromHeaderNotFrame) {
  // IHL 6 (one option word), total 32: 4 bytes of L4; 4 trailer bytes after it.
  const Bytes f = hex("020000000001 020000000002 0800 46000020 00004000 4001 0000 c6336407 c633640a 01010101 "
                      "08000000 deadbeef");
  FrameLayout l;
  ASSERT_EQ(locate_layers(f.data(), f.size(), l), FrameKind::Ipv4);
  EXPECT_EQ(l.l3_header_len, 24u);
  EXPECT_EQ(l.l4_offset, 38u);
  EXPECT_EQ(l.l4_len, 8u);
  EXPECT_EQ(l.ip_end(), 46u);
  EXPECT_EQ(l.l4_protocol, kIpProtoIcmp);
  EXPECT_FALSE(l.fragment);
  Bytes frag = f;
  frag[14 + 6] = 0x20;
  ASSERT_EQ(locate_layers(frag.data(), frag.size(), l), FrameKind::Ipv4);
  EXPECT_TRUE(l.fragment);
  Bytes lying = f;
  lying[14 + 3] = 0xff;  // total length beyond the frame
  EXPECT_EQ(locate_layers(lying.data(), lying.size(), l), FrameKind::Malformed);
}

TEST(FrameLayout, Ipv6WalksExtensionHeaders) {
  // Hop-by-hop (8 bytes, next 58) then 8 bytes of ICMPv6.
  const Bytes f = hex("333300000001 020000000002 86dd 60000000 0010 00 ff 20010db8000000000000000000000007 "
                      "ff020000000000000000000000000001 3a00 0000 0000 0000 8000 0000 0000 0000");
  FrameLayout l;
  ASSERT_EQ(locate_layers(f.data(), f.size(), l), FrameKind::Ipv6);
  EXPECT_EQ(l.l3_header_len, 48u);
  EXPECT_EQ(l.l4_offset, 62u);
  EXPECT_EQ(l.l4_len, 8u);
  EXPECT_EQ(l.l4_protocol, kIpProtoIcmpv6);
  Bytes frag = f;
  frag[20] = 44;  // a fragment header instead
  ASSERT_EQ(locate_layers(frag.data(), frag.size(), l), FrameKind::Ipv6);
  EXPECT_TRUE(l.fragment);
}

TEST(FrameLayout, OtherAndShort) {
  const Bytes lldp = hex("0180c200000e 020000000002 88cc 0000");
  FrameLayout l;
  EXPECT_EQ(locate_layers(lldp.data(), lldp.size(), l), FrameKind::Other);
  EXPECT_EQ(locate_layers(lldp.data(), 13, l), FrameKind::Malformed);
}

}  // namespace
}  // namespace sluice::dataplane
