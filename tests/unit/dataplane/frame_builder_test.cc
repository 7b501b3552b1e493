#include "dataplane/frame_builder.h"

#include <gtest/gtest.h>

#include <string>

#include "dataplane/packet_parser.h"
#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;

const MacAddress kSrcMac = {0x02, 0, 0, 0, 0, 0x01};
const MacAddress kDstMac = {0x02, 0, 0, 0, 0, 0x02};
const uint8_t kOptions[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07, 0x04, 0x02, 0x00, 0x00};  // MSS, WS, SACKOK

TcpFrameSpec spec_v4() {
  TcpFrameSpec s;
  s.src_mac = kSrcMac;
  s.dst_mac = kDstMac;
  s.src_ip = *IpAddr::parse("198.51.100.10");
  s.dst_ip = *IpAddr::parse("203.0.113.7");
  s.src_port = 25;
  s.dst_port = 40001;
  s.seq = 0xfffffff0;
  s.ack = 12345;
  s.flags = kTcpAck | kTcpPsh;
  s.window = 29200;
  s.ip_id = 0x1234;
  return s;
}

TEST(FrameBuilder, Ipv4FrameParsesBackWithEveryField) {
  TcpFrameSpec s = spec_v4();
  s.options = kOptions;
  const std::string first = "220 mx.example.com ESMTP";  // even
  const std::string second = " ready\r\n";
  s.payload[0] = first;
  s.payload[1] = second;
  uint8_t out[256];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  ASSERT_TRUE(b);
  EXPECT_EQ(b.l2_len, 14u);
  EXPECT_EQ(b.l3_len, 20u);
  EXPECT_EQ(b.l4_len, 32u);
  EXPECT_EQ(b.length, 14u + 20 + 32 + first.size() + second.size());
  const Bytes f(out, out + b.length);
  EXPECT_EQ(test::to_hex(out, 14), "0200000000020200000000010800");
  EXPECT_EQ(test::to_hex(out + 14, 10), "4500" "0054" "1234" "4000" "4006");  // total 84, DF, TTL 64, TCP
  EXPECT_EQ(test::to_hex(out + 14 + 20 + 20, 12), test::to_hex(kOptions, sizeof kOptions));
  EXPECT_TRUE(test::ipv4_header_verifies(f));
  EXPECT_TRUE(test::l4_verifies(f));

  PacketView v;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out), b.length), v), ParseResult::Tcp);
  EXPECT_FALSE(v.ipv6);
  EXPECT_EQ(IpAddr::from_bytes(v.src), s.src_ip);
  EXPECT_EQ(IpAddr::from_bytes(v.dst), s.dst_ip);
  EXPECT_EQ(v.src_port, 25);
  EXPECT_EQ(v.dst_port, 40001);
  EXPECT_EQ(v.seq, 0xfffffff0u);
  EXPECT_EQ(v.ack, 12345u);
  EXPECT_EQ(v.tcp_flags, kTcpAck | kTcpPsh);
  EXPECT_EQ(v.window, 29200);
  EXPECT_EQ(v.vlan, 0);
  EXPECT_EQ(v.payload, first + second);
}

TEST(FrameBuilder, Ipv6FrameWithVlanAndOddPieces) {
  TcpFrameSpec s = spec_v4();
  s.src_ip = *IpAddr::parse("2001:db8::25");
  s.dst_ip = *IpAddr::parse("2001:db8:1::7");
  s.vlan = 100;
  s.ttl = 63;
  const std::string first = "odd";  // odd first piece: the checksum must carry the byte offset over
  const std::string second = "-length second piece.";
  s.payload[0] = first;
  s.payload[1] = second;
  uint8_t out[256];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  ASSERT_TRUE(b);
  EXPECT_EQ(b.l2_len, 18u);
  EXPECT_EQ(b.l3_len, 40u);
  EXPECT_EQ(b.length, 18u + 40 + 20 + 24);
  EXPECT_EQ(test::to_hex(out + 12, 6), "8100006486dd");
  EXPECT_EQ(test::to_hex(out + 18, 8), "60000000" "002c" "06" "3f");
  const Bytes f(out, out + b.length);
  EXPECT_TRUE(test::l4_verifies(f));
  PacketView v;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out), b.length), v), ParseResult::Tcp);
  EXPECT_TRUE(v.ipv6);
  EXPECT_EQ(v.vlan, 100);
  EXPECT_EQ(IpAddr::from_bytes(v.src), s.src_ip);
  EXPECT_EQ(IpAddr::from_bytes(v.dst), s.dst_ip);
  EXPECT_EQ(v.payload, first + second);
}

TEST(FrameBuilder, ShortFramesArePaddedAndStillParse) {
  TcpFrameSpec s = spec_v4();
  s.flags = kTcpAck;
  uint8_t out[128];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  ASSERT_EQ(b.length, 60u);  // 54 + 6 zero bytes
  EXPECT_EQ(test::to_hex(out + 54, 6), "000000000000");
  const Bytes f(out, out + 54);
  EXPECT_TRUE(test::l4_verifies(f));
  PacketView v;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out), b.length), v), ParseResult::Tcp);
  EXPECT_TRUE(v.payload.empty());
}

TEST(FrameBuilder, OffloadLeavesWhatTheNicExpects) {
  TcpFrameSpec s = spec_v4();
  s.payload[0] = "DATA\r\n";
  s.offload_ip_checksum = true;
  s.offload_tcp_checksum = true;
  uint8_t out[128];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  ASSERT_TRUE(b);
  EXPECT_EQ(out[14 + 10], 0);
  EXPECT_EQ(out[14 + 11], 0);
  // The TCP field holds the folded pseudo-header sum (not complemented): src, dst, proto 6, length 26.
  Bytes pseudo = test::hex("c633640a cb007107 0006 001a");
  const uint32_t expected = test::reference_ones_sum(pseudo);
  EXPECT_EQ(out[34 + 16] * 256u + out[34 + 17], expected);
}

TEST(FrameBuilder, RefusesWhatDoesNotFit) {
  TcpFrameSpec s = spec_v4();
  uint8_t out[256];
  const std::string big(100, 'x');
  s.payload[0] = big;
  EXPECT_FALSE(build_tcp_frame(s, out, 14 + 20 + 20 + 99));
  EXPECT_TRUE(build_tcp_frame(s, out, 14 + 20 + 20 + 100));
  s.payload[0] = {};
  const uint8_t too_many[44] = {};
  s.options = too_many;
  EXPECT_FALSE(build_tcp_frame(s, out, sizeof out));
  s.options = std::span<const uint8_t>(too_many, 3);  // not a multiple of 4
  EXPECT_FALSE(build_tcp_frame(s, out, sizeof out));
  s.options = {};
  s.dst_ip = *IpAddr::parse("2001:db8::1");  // mixed families
  EXPECT_FALSE(build_tcp_frame(s, out, sizeof out));
}

Bytes segment(const TcpFrameSpec& s) {
  uint8_t out[256];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  return Bytes(out, out + b.length);
}

TEST(FrameBuilder, RstForSynWithoutAck) {
  TcpFrameSpec syn = spec_v4();
  syn.src_ip = *IpAddr::parse("203.0.113.7");
  syn.dst_ip = *IpAddr::parse("198.51.100.10");
  syn.src_port = 40001;
  syn.dst_port = 25;
  syn.seq = 1000;
  syn.ack = 0;
  syn.flags = kTcpSyn;
  syn.vlan = 42;
  const Bytes in = segment(syn);
  uint8_t out[128];
  const BuiltFrame b = build_tcp_rst_for(in.data(), in.size(), 7, out, sizeof out);
  ASSERT_TRUE(b);
  EXPECT_EQ(b.l2_len, 18u);
  EXPECT_EQ(test::to_hex(out, 12), "020000000001020000000002");  // MACs swapped
  const Bytes f(out, out + b.length);
  EXPECT_TRUE(test::ipv4_header_verifies(f));
  EXPECT_TRUE(test::l4_verifies(f));
  PacketView v;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out), b.length), v), ParseResult::Tcp);
  EXPECT_EQ(v.vlan, 42);
  EXPECT_EQ(IpAddr::from_bytes(v.src), *IpAddr::parse("198.51.100.10"));
  EXPECT_EQ(IpAddr::from_bytes(v.dst), *IpAddr::parse("203.0.113.7"));
  EXPECT_EQ(v.src_port, 25);
  EXPECT_EQ(v.dst_port, 40001);
  EXPECT_EQ(v.seq, 0u);
  EXPECT_EQ(v.ack, 1001u);  // SYN counts one
  EXPECT_EQ(v.tcp_flags, kTcpRst | kTcpAck);
}

TEST(FrameBuilder, RstForDataWithAckAndNoRstForRst) {
  TcpFrameSpec seg = spec_v4();
  seg.src_ip = *IpAddr::parse("2001:db8::7");
  seg.dst_ip = *IpAddr::parse("2001:db8::25");
  seg.flags = kTcpAck | kTcpPsh | kTcpFin;
  seg.seq = 5000;
  seg.ack = 777;
  seg.payload[0] = "QUIT\r\n";
  const Bytes in = segment(seg);
  uint8_t out[128];
  const BuiltFrame b = build_tcp_rst_for(in.data(), in.size(), 0, out, sizeof out);
  ASSERT_TRUE(b);
  const Bytes f(out, out + b.length);
  EXPECT_TRUE(test::l4_verifies(f));
  PacketView v;
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out), b.length), v), ParseResult::Tcp);
  EXPECT_EQ(v.seq, 777u);  // <SEQ=SEG.ACK>
  EXPECT_EQ(v.tcp_flags, kTcpRst);
  EXPECT_EQ(IpAddr::from_bytes(v.src), *IpAddr::parse("2001:db8::25"));

  seg.flags = kTcpRst;
  const Bytes rst = segment(seg);
  EXPECT_FALSE(build_tcp_rst_for(rst.data(), rst.size(), 0, out, sizeof out));
  seg.flags = kTcpFin;  // no ACK: ACK = SEQ + 6 bytes + FIN
  const Bytes fin = segment(seg);
  const BuiltFrame b2 = build_tcp_rst_for(fin.data(), fin.size(), 0, out, sizeof out);
  ASSERT_TRUE(b2);
  ASSERT_EQ(parse_frame(std::string_view(reinterpret_cast<const char*>(out), b2.length), v), ParseResult::Tcp);
  EXPECT_EQ(v.ack, 5007u);
}

}  // namespace
}  // namespace sluice::dataplane
