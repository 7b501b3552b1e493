// Regression tests for what tests/fuzz/packet_parser_fuzz found in dataplane/, one test per finding, each with the
// fuzzer's own input (shortened by hand where the rest did not matter).
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/frame_builder.h"
#include "dataplane/packet_parser.h"
#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using test::hex;

// An IPv6 frame (EtherType 0x86DD) whose addresses are IPv4-mapped (::ffff:0.0.0.0), with a hop-by-hop header
// before TCP. build_tcp_rst_for used to answer it with an IPv4 packet behind the copied IPv6 EtherType, a frame
// no receiver parses. Such a segment is not answered now; the same segment between real IPv6 addresses is.
Bytes mapped_ipv6_segment(bool mapped) {
  const char* address = mapped ? "00000000000000000000ffff00000000" : "20010db8000000000000000000000007";
  return hex(std::string("000000000000000000000000" "86dd" "6000000000240040") + address + address +
             "0600000000000000"                                    // hop-by-hop: next header TCP, 8 bytes
             "04d2001900000001000000025018020000000000" "45484c4f20780d0a");   // TCP PSH|ACK "EHLO x\r\n"
}

TEST(FrameBuilderFuzzFindings, NoRstForIpv6FrameWithIpv4MappedAddresses) {
  const Bytes frame = mapped_ipv6_segment(true);
  PacketView view;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()), view),
            ParseResult::Tcp);
  std::vector<uint8_t> out(256);
  EXPECT_FALSE(build_tcp_rst_for(frame.data(), frame.size(), 1, out.data(), out.size()));
}

TEST(FrameBuilderFuzzFindings, RstForTheSameSegmentBetweenIpv6Addresses) {
  const Bytes frame = mapped_ipv6_segment(false);
  std::vector<uint8_t> out(256);
  const BuiltFrame rst = build_tcp_rst_for(frame.data(), frame.size(), 1, out.data(), out.size());
  ASSERT_TRUE(rst);
  PacketView answer;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out.data()), rst.length), answer),
            ParseResult::Tcp);
  EXPECT_TRUE(answer.ipv6);
  EXPECT_EQ(answer.src_port, 25);
  EXPECT_EQ(answer.dst_port, 1234);
  EXPECT_EQ(answer.tcp_flags, kTcpRst);   // the segment carried ACK: <SEQ=SEG.ACK><CTL=RST>
  EXPECT_EQ(answer.seq, 2u);
}

}  // namespace
}  // namespace sluice::dataplane
