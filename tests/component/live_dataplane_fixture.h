// tests/component/live_dataplane_fixture.h — the LiveWorker on two net_ring ports with an emulated client
// (outside) and backend (inside): configuration, addresses, and the fixture the live-dataplane tests share.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "tests/component/ring_appliance.h"

namespace sluice::testing {

using dataplane::kTcpAck;
using dataplane::kTcpFin;
using dataplane::kTcpPsh;
using dataplane::kTcpRst;
using dataplane::kTcpSyn;

// Window scaling is offered by the worker but the crafted peers never offer it, so every window on the wire
// is in bytes; 16 KB buffers make the advertised windows small exact numbers.
const std::string kBaseConfig = R"(
config system interface
  edit "outside"
    set port 0
    set ip 198.51.100.1/24
    set ip6 2001:db8::1/64
  next
  edit "inside"
    set port 1
    set ip 10.0.0.1/24
    set ip6 fd00::1/64
  next
end
config firewall vip
  edit "mail-in"
    set extip 198.51.100.10
    set mappedip 10.0.0.25
    set ports 25 2525
  next
  edit "mail-in-v6"
    set extip 2001:db8::25
    set mappedip fd00::25
    set ports 25
  next
end
config smtp protocol-options
  set ports 25
end
config system session
  set max-flows 1024
end
config system tcp
  set send-buffer 16
  set receive-buffer 16
  set rto-min 10
  set rto-initial 100
  set time-wait 0
)";

inline std::string config_with(const std::string& tcp_extra) { return kBaseConfig + tcp_extra + "end\n"; }

const MacAddress kClientMac = {0x02, 0, 0, 0, 0, 0x02};
const MacAddress kClient2Mac = {0x02, 0, 0, 0, 0, 0x03};
const MacAddress kBackendMac = {0x02, 0, 0, 0, 0, 0x25};
const Host kClient{kClientMac, *IpAddr::parse("198.51.100.2")};
const Host kClient2{kClient2Mac, *IpAddr::parse("198.51.100.3")};
const Host kBackend{kBackendMac, *IpAddr::parse("10.0.0.25")};
const Host kClient6{kClientMac, *IpAddr::parse("2001:db8::2")};
const Host kBackend6{kBackendMac, *IpAddr::parse("fd00::25")};
const IpAddr kVip = *IpAddr::parse("198.51.100.10");
const IpAddr kVip6 = *IpAddr::parse("2001:db8::25");
constexpr uint16_t kClientPort = 40000;
constexpr uint16_t kSmtp = 25;
constexpr uint32_t kClientIsn = 1000;
constexpr uint32_t kBackendIsn = 5000;
constexpr uint16_t kPeerWindow = 8192;
constexpr uint16_t kWorkerWindow = 16384;  // receive-buffer 16 KB, unscaled
constexpr uint16_t kMss = 1440;            // MTU 1500 minus the IPv6 headers (one MSS for both families)

inline std::string describe(const std::vector<Frame>& frames) {
  std::string s;
  char line[256];
  for (const Frame& f : frames) {
    char a[48], b[48];
    std::snprintf(line, sizeof line, "  kind=%d %s:%u > %s:%u seq=%u ack=%u flags=0x%02x win=%u len=%zu\n",
                  static_cast<int>(f.kind), std::string(f.src.format(a)).c_str(), f.src_port,
                  std::string(f.dst.format(b)).c_str(), f.dst_port, f.seq, f.ack, f.flags, f.window,
                  f.payload.size());
    s += line;
  }
  return s;
}

class LiveDataplane : public ::testing::Test {
 protected:
  void start(const std::string& config) {
    app_ = std::make_unique<RingAppliance>(config);
    ASSERT_TRUE(app_->ok()) << app_->error();
    out_mac_ = app_->mac(Side::Outside);
    in_mac_ = app_->mac(Side::Inside);
  }
  void SetUp() override { start(config_with("")); }

  // Both peers introduce themselves with an ARP request for an appliance address; each gets exactly the reply.
  void teach_neighbours() {
    ASSERT_TRUE(app_->inject(Side::Inside, arp_request(kBackend, *IpAddr::parse("10.0.0.1"))));
    ASSERT_TRUE(app_->inject(Side::Outside, arp_request(kClient, kVip)));
    app_->poll();
    const std::vector<Frame> in = app_->drain(Side::Inside);
    ASSERT_EQ(in.size(), 1u) << describe(in);
    EXPECT_EQ(in[0].kind, Frame::Kind::Arp);
    EXPECT_EQ(in[0].arp_op, 2);
    EXPECT_EQ(in[0].src, *IpAddr::parse("10.0.0.1"));
    EXPECT_EQ(in[0].dst, kBackend.ip);
    EXPECT_EQ(in[0].dst_mac, kBackendMac);
    EXPECT_EQ(in[0].src_mac, in_mac_);
    const std::vector<Frame> out = app_->drain(Side::Outside);
    ASSERT_EQ(out.size(), 1u) << describe(out);
    EXPECT_EQ(out[0].arp_op, 2);
    EXPECT_EQ(out[0].src, kVip);
    EXPECT_EQ(out[0].dst_mac, kClientMac);
  }

  void from_client(uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload = {},
                   uint16_t window = kPeerWindow) {
    ASSERT_TRUE(app_->inject(Side::Outside,
                             tcp_frame(client_, out_mac_, vip_, kClientPort, kSmtp, seq, ack, flags, window, payload)));
  }
  void from_backend(uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload = {},
                    uint16_t window = kPeerWindow) {
    ASSERT_TRUE(app_->inject(Side::Inside, tcp_frame(backend_, in_mac_, client_.ip, kSmtp, kClientPort, seq, ack,
                                                     flags, window, payload)));
  }

  // Client SYN -> worker SYN to the backend (nothing to the client yet).
  void client_syn() {
    reassembly::TcpSynOptions syn;
    syn.mss = 1460;
    ASSERT_TRUE(app_->inject(Side::Outside, tcp_frame(client_, out_mac_, vip_, kClientPort, kSmtp, kClientIsn, 0,
                                                      kTcpSyn, kPeerWindow, {}, &syn)));
    app_->poll();
    EXPECT_TRUE(app_->drain(Side::Outside).empty());
    const std::vector<Frame> in = app_->drain(Side::Inside);
    ASSERT_EQ(in.size(), 1u) << describe(in);
    const Frame& s = in[0];
    EXPECT_EQ(s.kind, Frame::Kind::Tcp);
    EXPECT_EQ(s.flags, kTcpSyn);
    EXPECT_EQ(s.src, client_.ip);  // the backend sees the real client
    EXPECT_EQ(s.src_port, kClientPort);
    EXPECT_EQ(s.dst, backend_.ip);
    EXPECT_EQ(s.dst_port, kSmtp);
    EXPECT_EQ(s.dst_mac, kBackendMac);
    EXPECT_EQ(s.ack, 0u);
    EXPECT_EQ(s.window, worker_window_);
    EXPECT_EQ(s.syn_options.mss, kMss);
    EXPECT_EQ(s.syn_options.window_scale, 7);
    EXPECT_TRUE(s.syn_options.sack_permitted);
    EXPECT_TRUE(s.checksums_ok);
    server_iss_ = s.seq;
  }

  // Backend SYN-ACK -> ACK to the backend and SYN-ACK to the client; the client's ACK completes it.
  void complete_handshake() {
    reassembly::TcpSynOptions syn;
    syn.mss = 1460;
    ASSERT_TRUE(app_->inject(Side::Inside, tcp_frame(backend_, in_mac_, client_.ip, kSmtp, kClientPort, kBackendIsn,
                                                     server_iss_ + 1, kTcpSyn | kTcpAck, kPeerWindow, {}, &syn)));
    app_->poll();
    const std::vector<Frame> in = app_->drain(Side::Inside);
    ASSERT_EQ(in.size(), 1u) << describe(in);
    EXPECT_EQ(in[0].flags, kTcpAck);
    EXPECT_EQ(in[0].seq, server_iss_ + 1);
    EXPECT_EQ(in[0].ack, kBackendIsn + 1);
    EXPECT_EQ(in[0].window, worker_window_);
    EXPECT_TRUE(in[0].payload.empty());
    const std::vector<Frame> out = app_->drain(Side::Outside);
    ASSERT_EQ(out.size(), 1u) << describe(out);
    const Frame& sa = out[0];
    EXPECT_EQ(sa.flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(sa.src, vip_);
    EXPECT_EQ(sa.src_port, kSmtp);
    EXPECT_EQ(sa.dst, client_.ip);
    EXPECT_EQ(sa.dst_port, kClientPort);
    EXPECT_EQ(sa.dst_mac, kClientMac);
    EXPECT_EQ(sa.ack, kClientIsn + 1);
    EXPECT_EQ(sa.window, worker_window_);
    EXPECT_EQ(sa.syn_options.mss, kMss);
    EXPECT_EQ(sa.syn_options.window_scale, -1);  // the client offered none: RFC 7323 §1.3 forbids answering one
    EXPECT_FALSE(sa.syn_options.sack_permitted);
    EXPECT_TRUE(sa.checksums_ok);
    client_iss_ = sa.seq;
    from_client(kClientIsn + 1, client_iss_ + 1, kTcpAck);
    app_->poll();
    EXPECT_TRUE(app_->drain(Side::Outside).empty());
    EXPECT_TRUE(app_->drain(Side::Inside).empty());
    EXPECT_EQ(app_->worker().sessions_in_use(), 1u);
  }

  // Every proxied session is SMTP: the relay reads nothing from the client before the backend's greeting, so
  // the fixture's sessions start greeted. The greeting crosses at once and is acknowledged by the client.
  void greet() {
    from_backend(b_seq(), w_to_backend(), kTcpPsh | kTcpAck, kGreeting);
    app_->poll();
    const std::vector<Frame> out = app_->drain(Side::Outside);
    ASSERT_EQ(out.size(), 1u) << describe(out);
    EXPECT_EQ(out[0].payload, kGreeting);
    EXPECT_EQ(out[0].seq, w_to_client());
    greeting_bytes_ = static_cast<uint32_t>(kGreeting.size());
    from_client(c_seq(), w_to_client(), kTcpAck);
    app_->poll();
    app_->drain(Side::Inside);   // the worker's ACK of the greeting
    EXPECT_TRUE(app_->drain(Side::Outside).empty());
  }

  void establish() {
    teach_neighbours();
    client_syn();
    complete_handshake();
    greet();
  }

  static constexpr std::string_view kGreeting = "220 mx.example ESMTP\r\n";

  // Sequence numbers of each side's next byte (peer's view); the backend's and the worker's count from after the
  // greeting once greet() ran.
  uint32_t c_seq(uint32_t offset = 0) const { return kClientIsn + 1 + offset; }
  uint32_t b_seq(uint32_t offset = 0) const { return kBackendIsn + 1 + greeting_bytes_ + offset; }
  uint32_t w_to_client(uint32_t offset = 0) const { return client_iss_ + 1 + greeting_bytes_ + offset; }
  uint32_t w_to_backend(uint32_t offset = 0) const { return server_iss_ + 1 + offset; }

  std::unique_ptr<RingAppliance> app_;
  MacAddress out_mac_{}, in_mac_{};
  Host client_ = kClient, backend_ = kBackend;
  IpAddr vip_ = kVip;
  uint32_t server_iss_ = 0, client_iss_ = 0;
  uint32_t greeting_bytes_ = 0;
  uint16_t worker_window_ = kWorkerWindow;  // receive-buffer of the fixture's config, unscaled
};

}  // namespace sluice::testing
