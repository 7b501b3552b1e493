#include "dataplane/packet_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/flow_key.h"

namespace sluice::dataplane {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(v >> 8);
  b.push_back(v & 0xff);
}
void put32(Bytes& b, uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}

Bytes tcp_header(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags) {
  Bytes t;
  put16(t, sport);
  put16(t, dport);
  put32(t, seq);
  put32(t, 7);        // ack
  t.push_back(5 << 4);
  t.push_back(flags);
  put16(t, 65535);
  put16(t, 0);
  put16(t, 0);
  return t;
}

Bytes ethernet(uint16_t ether_type, std::vector<uint16_t> vlans = {}) {
  Bytes f(12, 0x02);
  for (uint16_t vlan : vlans) {
    put16(f, 0x8100);
    put16(f, vlan);
  }
  put16(f, ether_type);
  return f;
}

Bytes ipv4_packet(const std::string& payload, uint16_t fragment_field = 0x4000, uint8_t proto = 6) {
  Bytes tcp = tcp_header(40000, 25, 1000, 0x18);
  Bytes ip = {0x45, 0};
  put16(ip, static_cast<uint16_t>(20 + tcp.size() + payload.size()));
  put16(ip, 0);
  put16(ip, fragment_field);
  ip.push_back(64);
  ip.push_back(proto);
  put16(ip, 0);
  for (uint8_t b : {198, 51, 100, 7, 10, 0, 0, 25}) ip.push_back(b);
  ip.insert(ip.end(), tcp.begin(), tcp.end());
  ip.insert(ip.end(), payload.begin(), payload.end());
  return ip;
}

std::string_view view(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(PacketParser, Ipv4Tcp) {
  const Bytes frame = concat(ethernet(0x0800), ipv4_packet("EHLO x\r\n"));
  PacketView p;
  ASSERT_EQ(parse_frame(view(frame), p), ParseResult::Tcp);
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 25);
  EXPECT_EQ(p.seq, 1000u);
  EXPECT_EQ(p.tcp_flags, 0x18);
  EXPECT_EQ(p.payload, "EHLO x\r\n");
  EXPECT_FALSE(p.ipv6);
  char buffer[48];
  EXPECT_EQ(format_ip(p.src, buffer), "198.51.100.7");
  EXPECT_EQ(format_ip(p.dst, buffer), "10.0.0.25");
}

TEST(PacketParser, PayloadBoundedByIpLengthNotFrame) {
  // The TRex avl_smtp_* captures carry a 4-byte FCS after the IP packet.
  const Bytes frame = concat(concat(ethernet(0x0800), ipv4_packet("DATA\r\n")), Bytes{0xde, 0xad, 0xbe, 0xef});
  PacketView p;
  ASSERT_EQ(parse_frame(view(frame), p), ParseResult::Tcp);
  EXPECT_EQ(p.payload, "DATA\r\n");
}

TEST(PacketParser, VlanAndQinQ) {
  PacketView p;
  const Bytes one = concat(ethernet(0x0800, {100}), ipv4_packet("x"));
  ASSERT_EQ(parse_frame(view(one), p), ParseResult::Tcp);
  EXPECT_EQ(p.vlan, 100);
  const Bytes two = concat(ethernet(0x0800, {200, 300}), ipv4_packet("y"));
  ASSERT_EQ(parse_frame(view(two), p), ParseResult::Tcp);
  EXPECT_EQ(p.vlan, 200);
  EXPECT_EQ(p.payload, "y");
  const Bytes three = concat(ethernet(0x0800, {1, 2, 3}), ipv4_packet("z"));
  EXPECT_EQ(parse_frame(view(three), p), ParseResult::Malformed);
}

TEST(PacketParser, Ipv6WithExtensionHeader) {
  const std::string payload = "220 ready\r\n";
  Bytes tcp = tcp_header(25, 41001, 5000, 0x18);
  Bytes ext = {6, 0, 0, 0, 0, 0, 0, 0};   // destination options, next header TCP, 8 bytes
  Bytes ip = {0x60, 0, 0, 0};
  put16(ip, static_cast<uint16_t>(ext.size() + tcp.size() + payload.size()));
  ip.push_back(60);
  ip.push_back(64);
  for (int i = 0; i < 16; ++i) ip.push_back(i == 0 ? 0x20 : (i == 15 ? 0x25 : 0));
  for (int i = 0; i < 16; ++i) ip.push_back(i == 0 ? 0x20 : (i == 15 ? 0x07 : 0));
  ip = concat(concat(ip, ext), tcp);
  ip.insert(ip.end(), payload.begin(), payload.end());
  const Bytes frame = concat(ethernet(0x86DD), ip);
  PacketView p;
  ASSERT_EQ(parse_frame(view(frame), p), ParseResult::Tcp);
  EXPECT_TRUE(p.ipv6);
  EXPECT_EQ(p.payload, payload);
  char buffer[48];
  EXPECT_EQ(format_ip(p.src, buffer), "2000::25");
}

TEST(PacketParser, RejectsWhatIsNotATcpSegment) {
  PacketView p;
  EXPECT_EQ(parse_frame(view(concat(ethernet(0x0806), Bytes(28, 0))), p), ParseResult::NotIp);
  EXPECT_EQ(parse_frame(view(concat(ethernet(0x0800), ipv4_packet("u", 0x4000, 17))), p), ParseResult::NotTcp);
  EXPECT_EQ(parse_frame(view(concat(ethernet(0x0800), ipv4_packet("f", 0x2000))), p), ParseResult::Fragment);
  EXPECT_EQ(parse_frame(view(concat(ethernet(0x0800), ipv4_packet("f", 0x0010))), p), ParseResult::Fragment);
  Bytes cut = concat(ethernet(0x0800), ipv4_packet("abcdef"));
  cut.resize(cut.size() - 3);
  EXPECT_EQ(parse_frame(view(cut), p), ParseResult::Truncated);
  Bytes bad_ihl = concat(ethernet(0x0800), ipv4_packet("x"));
  bad_ihl[14] = 0x43;
  EXPECT_EQ(parse_frame(view(bad_ihl), p), ParseResult::Malformed);
  EXPECT_EQ(parse_frame(std::string_view("short"), p), ParseResult::Truncated);
}

TEST(PacketParser, EveryPrefixOfAFrameIsSafe) {
  const Bytes frame = concat(ethernet(0x0800, {7}), ipv4_packet("MAIL FROM:<a@b>\r\n"));
  PacketView p;
  for (size_t n = 0; n < frame.size(); ++n) {
    const ParseResult r = parse_frame(std::string_view(reinterpret_cast<const char*>(frame.data()), n), p);
    EXPECT_NE(r, ParseResult::Tcp) << "prefix " << n;
  }
}

TEST(FlowKey, BothDirectionsShareOneKey) {
  const Bytes frame = concat(ethernet(0x0800), ipv4_packet("x"));
  PacketView forward;
  ASSERT_EQ(parse_frame(view(frame), forward), ParseResult::Tcp);
  PacketView reverse = forward;
  std::swap(reverse.src, reverse.dst);
  std::swap(reverse.src_port, reverse.dst_port);
  bool forward_is_a = false, reverse_is_a = false;
  const FlowKey a = make_flow_key(forward, &forward_is_a);
  const FlowKey b = make_flow_key(reverse, &reverse_is_a);
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
  EXPECT_NE(forward_is_a, reverse_is_a);
}

}  // namespace
}  // namespace sluice::dataplane
