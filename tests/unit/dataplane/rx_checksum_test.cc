// dataplane/rx_checksum.h: a received TCP segment counts only when its IPv4 header and TCP checksums hold
// (THREATS TCP-3 chaff), in software or by the NIC's RX offload verdict when it gave one.
#include "dataplane/rx_checksum.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "dataplane/frame_builder.h"

namespace sluice::dataplane {
namespace {

struct Built {
  std::array<uint8_t, 256> bytes{};
  FrameLayout layout;
};

Built segment(std::string_view src, std::string_view dst) {
  Built b;
  TcpFrameSpec spec;
  spec.src_ip = *IpAddr::parse(src);
  spec.dst_ip = *IpAddr::parse(dst);
  spec.src_port = 40000;
  spec.dst_port = 25;
  spec.seq = 1000;
  spec.ack = 2000;
  spec.flags = kTcpAck | kTcpPsh;
  spec.window = 65535;
  spec.payload[0] = "MAIL FROM:<a@example.org>\r\n";
  const BuiltFrame f = build_tcp_frame(spec, b.bytes.data(), b.bytes.size());
  EXPECT_TRUE(f);
  locate_layers(b.bytes.data(), f.length, b.layout);
  return b;
}

constexpr RxChecksum kSoftware = RxChecksum::Unknown;

TEST(RxChecksum, IntactSegmentsPassInSoftware) {
  for (auto [src, dst] : {std::pair{"192.0.2.10", "198.51.100.10"}, std::pair{"2001:db8::10", "2001:db8:1::10"}}) {
    const Built b = segment(src, dst);
    EXPECT_TRUE(tcp_checksums_ok(b.bytes.data(), b.layout, kSoftware, kSoftware)) << src;
  }
}

TEST(RxChecksum, AFlippedPayloadByteFailsTheTcpChecksum) {
  for (auto [src, dst] : {std::pair{"192.0.2.10", "198.51.100.10"}, std::pair{"2001:db8::10", "2001:db8:1::10"}}) {
    Built b = segment(src, dst);
    b.bytes[b.layout.l4_offset + 20 + 3] ^= 0x20;   // "MAIL" -> "MAIl"
    EXPECT_FALSE(tcp_checksums_ok(b.bytes.data(), b.layout, kSoftware, kSoftware)) << src;
  }
}

TEST(RxChecksum, ABrokenIpv4HeaderChecksumFails) {
  Built b = segment("192.0.2.10", "198.51.100.10");
  b.bytes[b.layout.l3_offset + 8] = 1;   // TTL changed, header checksum not updated
  EXPECT_FALSE(tcp_checksums_ok(b.bytes.data(), b.layout, kSoftware, kSoftware));
}

TEST(RxChecksum, TheNicsVerdictIsTakenWhenItGaveOne) {
  Built b = segment("192.0.2.10", "198.51.100.10");
  EXPECT_FALSE(tcp_checksums_ok(b.bytes.data(), b.layout, RxChecksum::Bad, kSoftware)) << "NIC: IP header bad";
  EXPECT_FALSE(tcp_checksums_ok(b.bytes.data(), b.layout, kSoftware, RxChecksum::Bad)) << "NIC: L4 bad";
  b.bytes[b.layout.l4_offset + 20] ^= 0x20;   // software would refuse it ...
  EXPECT_TRUE(tcp_checksums_ok(b.bytes.data(), b.layout, RxChecksum::Good, RxChecksum::Good))
      << "... but the NIC checked the frame as it arrived";
}

}  // namespace
}  // namespace sluice::dataplane
