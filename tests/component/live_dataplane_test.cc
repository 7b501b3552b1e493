// The live dataplane (LiveWorker) in-process on two net_ring ports: crafted segments from an emulated client
// (outside) and backend (inside), and the exact segments the worker sends on both sides.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "tests/component/ring_appliance.h"

namespace sluice::testing {
namespace {

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

std::string config_with(const std::string& tcp_extra) { return kBaseConfig + tcp_extra + "end\n"; }

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

std::string describe(const std::vector<Frame>& frames) {
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

  void establish() {
    teach_neighbours();
    client_syn();
    complete_handshake();
  }

  // Sequence numbers of each side's next byte (peer's view).
  uint32_t c_seq(uint32_t offset = 0) const { return kClientIsn + 1 + offset; }
  uint32_t b_seq(uint32_t offset = 0) const { return kBackendIsn + 1 + offset; }
  uint32_t w_to_client(uint32_t offset = 0) const { return client_iss_ + 1 + offset; }
  uint32_t w_to_backend(uint32_t offset = 0) const { return server_iss_ + 1 + offset; }

  std::unique_ptr<RingAppliance> app_;
  MacAddress out_mac_{}, in_mac_{};
  Host client_ = kClient, backend_ = kBackend;
  IpAddr vip_ = kVip;
  uint32_t server_iss_ = 0, client_iss_ = 0;
  uint16_t worker_window_ = kWorkerWindow;  // receive-buffer of the fixture's config, unscaled
};

TEST_F(LiveDataplane, HandshakeDialsTheBackendFirst) { establish(); }

TEST_F(LiveDataplane, BannerReachesTheClientInOnePoll) {
  establish();
  const std::string banner = "220 mx.example ESMTP\r\n";
  from_backend(b_seq(), w_to_backend(), kTcpPsh | kTcpAck, banner);
  app_->poll();
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].payload, banner);
  EXPECT_EQ(out[0].seq, w_to_client());
  EXPECT_EQ(out[0].ack, c_seq());
  EXPECT_EQ(out[0].flags & (kTcpAck | kTcpSyn | kTcpFin | kTcpRst), kTcpAck);
  EXPECT_TRUE(out[0].checksums_ok);
  const std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(in[0].flags, kTcpAck);
  EXPECT_EQ(in[0].ack, b_seq(banner.size()));
  // The banner left the receive buffer in the same poll, but RFC 9293 §3.8.6.2.2 (receiver SWS avoidance)
  // keeps the right edge where it was until it could move by min(buffer / 2, MSS): 16384 - 22.
  EXPECT_EQ(in[0].window, kWorkerWindow - banner.size());
}

TEST_F(LiveDataplane, BackendRefusalResetsTheClient) {
  teach_neighbours();
  client_syn();
  from_backend(0, server_iss_ + 1, kTcpRst | kTcpAck);
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].flags, kTcpRst | kTcpAck);
  EXPECT_EQ(out[0].ack, kClientIsn + 1);
  EXPECT_EQ(out[0].seq, 0u);
  EXPECT_EQ(out[0].src, kVip);
  EXPECT_EQ(out[0].dst_port, kClientPort);
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
  EXPECT_EQ(app_->worker().counters().sessions_refused.get(), 1u);
}

TEST_F(LiveDataplane, OutOfOrderClientDataIsRelayedInOrder) {
  establish();
  const std::string first = "EHLO cli", second = "ent.example\r\n";
  from_client(c_seq(first.size()), w_to_client(), kTcpPsh | kTcpAck, second);
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);  // RFC 9293 §3.10.7.4: a duplicate ACK for the hole
  EXPECT_EQ(out[0].flags, kTcpAck);
  EXPECT_EQ(out[0].ack, c_seq());
  EXPECT_TRUE(out[0].payload.empty());
  from_client(c_seq(), w_to_client(), kTcpAck, first);
  app_->poll();
  const std::vector<Frame> in = app_->drain(Side::Inside);
  std::string relayed;
  uint32_t expect_seq = w_to_backend();
  for (const Frame& f : in) {
    EXPECT_EQ(f.seq, expect_seq);
    EXPECT_EQ(f.ack, b_seq());
    expect_seq += static_cast<uint32_t>(f.payload.size());
    relayed += f.payload;
  }
  EXPECT_EQ(relayed, first + second);
  ASSERT_EQ(in.size(), 1u) << describe(in);  // relayed as one segment: both pieces arrived before the relay ran
  out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].ack, c_seq(first.size() + second.size()));
}

TEST_F(LiveDataplane, OverlappingRetransmissionKeepsTheFirstCopy) {
  establish();
  const std::string line = "EHLO one.example\r\n";  // 18 bytes
  from_client(c_seq(5), w_to_client(), kTcpAck, "one.");              // [5, 9) beyond the hole
  from_client(c_seq(5), w_to_client(), kTcpAck, "two.example\r\n");   // [5, 18): different bytes over [5, 9)
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  app_->drain(Side::Outside);
  from_client(c_seq(), w_to_client(), kTcpAck, "EHLO ");
  app_->poll();
  std::string relayed;
  for (const Frame& f : app_->drain(Side::Inside)) relayed += f.payload;
  EXPECT_EQ(relayed, line);
  // The same range again with other bytes: all old, nothing relayed, acknowledged again.
  app_->drain(Side::Outside);
  from_client(c_seq(), w_to_client(), kTcpAck, "HELO two.example\r\n");
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].ack, c_seq(line.size()));
  EXPECT_EQ(app_->worker().counters().bytes_client_to_server.get(), line.size());
}

TEST_F(LiveDataplane, ClientResetInEstablishedResetsTheBackend) {
  establish();
  from_client(c_seq(), 0, kTcpRst);
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Outside).empty());
  const std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(in[0].flags, kTcpRst);
  EXPECT_EQ(in[0].seq, w_to_backend());
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
  EXPECT_EQ(app_->worker().counters().sessions_reset.get(), 1u);
}

TEST_F(LiveDataplane, BackendResetResetsTheClient) {
  establish();
  from_backend(b_seq(), 0, kTcpRst);
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].flags, kTcpRst);
  EXPECT_EQ(out[0].seq, w_to_client());
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
}

// DISABLED until reassembly/split_proxy.cc is fixed: SplitProxy::on_client_segment handles a client RST
// while dialling with server_.abort() and end(ClientReset) but leaves phase_ at Dialing, so the same
// iteration's service() -> finish_dialing() sees the aborted server leg as a refusal and refuse_client()
// sends the client RST|ACK <SEQ=0><ACK=ISN+1> in answer to its RST (RFC 9293 §3.10.7: never answer a RST).
// Fix: after end(ProxyEnd::ClientReset) also reset both legs and set phase_ = ProxyPhase::Done.
TEST_F(LiveDataplane, ClientResetWhileDiallingEndsTheSession) {
  teach_neighbours();
  client_syn();
  // The client gives up before the backend answered: nothing was synchronized on either leg, so nothing is
  // sent (RFC 9293 §3.10.7.3: a RST in SYN-RECEIVED; the server leg's ABORT in SYN-SENT sends nothing).
  from_client(kClientIsn + 1, 0, kTcpRst);
  app_->poll();
  const std::vector<Frame> to_client = app_->drain(Side::Outside);
  EXPECT_TRUE(to_client.empty()) << describe(to_client);
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
  EXPECT_EQ(app_->worker().connections(), 0u);
}

TEST_F(LiveDataplane, BackendResetAfterClientFinResetsTheClient) {
  establish();
  // The client half-closes: its FIN is acknowledged and carried to the backend.
  from_client(c_seq(), w_to_client(), kTcpFin | kTcpAck);
  app_->poll();
  std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].flags, kTcpAck);
  EXPECT_EQ(out[0].ack, c_seq(1));
  std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(in[0].flags, kTcpFin | kTcpAck);
  EXPECT_EQ(in[0].seq, w_to_backend());
  // The backend resets instead of closing: the client's leg (CLOSE-WAIT) is reset too.
  from_backend(b_seq(), 0, kTcpRst);
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].flags, kTcpRst);
  EXPECT_EQ(out[0].seq, w_to_client());
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
}

TEST_F(LiveDataplane, SimultaneousCloseFreesTheSession) {
  establish();
  from_client(c_seq(), w_to_client(), kTcpFin | kTcpAck);
  from_backend(b_seq(), w_to_backend(), kTcpFin | kTcpAck);
  app_->poll();
  // Each FIN is acknowledged and carried across: each side gets one FIN|ACK acknowledging its own FIN.
  const std::vector<Frame> out = app_->drain(Side::Outside);
  const std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(out[0].flags, kTcpFin | kTcpAck);
  EXPECT_EQ(out[0].seq, w_to_client());
  EXPECT_EQ(out[0].ack, c_seq(1));
  EXPECT_EQ(in[0].flags, kTcpFin | kTcpAck);
  EXPECT_EQ(in[0].seq, w_to_backend());
  EXPECT_EQ(in[0].ack, b_seq(1));
  // Both peers acknowledge the worker's FINs; with time-wait 0 both legs end and the session is freed.
  from_client(c_seq(1), w_to_client(1), kTcpAck);
  from_backend(b_seq(1), w_to_backend(1), kTcpAck);
  app_->poll();
  for (int i = 0; i < 20 && app_->worker().sessions_in_use() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    app_->poll();
  }
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
  EXPECT_EQ(app_->worker().counters().sessions_completed.get(), 1u);
  EXPECT_TRUE(app_->drain(Side::Outside).empty());
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
}

TEST_F(LiveDataplane, DefaultDenyDropsASynToAnotherPort) {
  teach_neighbours();
  reassembly::TcpSynOptions syn;
  ASSERT_TRUE(app_->inject(Side::Outside,
                           tcp_frame(kClient, out_mac_, kVip, kClientPort, 80, kClientIsn, 0, kTcpSyn, 8192, {}, &syn)));
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  EXPECT_TRUE(app_->drain(Side::Outside).empty());
  EXPECT_EQ(app_->worker().counters().drops_no_policy.get(), 1u);
  EXPECT_EQ(app_->worker().connections(), 0u);
}

TEST_F(LiveDataplane, PassThroughPortIsOnlyDestinationNatted) {
  teach_neighbours();
  reassembly::TcpSynOptions syn;
  syn.mss = 1460;
  const std::vector<uint8_t> sent =
      tcp_frame(kClient, out_mac_, kVip, kClientPort, 2525, kClientIsn, 0, kTcpSyn, 8192, {}, &syn);
  ASSERT_TRUE(app_->inject(Side::Outside, sent));
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Outside).empty());
  std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  const Frame original = parse_frame(sent.data(), sent.size());
  EXPECT_EQ(in[0].src, kClient.ip);
  EXPECT_EQ(in[0].src_port, kClientPort);
  EXPECT_EQ(in[0].dst, kBackend.ip);
  EXPECT_EQ(in[0].dst_port, 2525);
  EXPECT_EQ(in[0].src_mac, in_mac_);
  EXPECT_EQ(in[0].dst_mac, kBackendMac);
  EXPECT_EQ(in[0].seq, kClientIsn);
  EXPECT_EQ(in[0].flags, kTcpSyn);
  EXPECT_EQ(in[0].window, 8192);
  EXPECT_EQ(in[0].options, original.options);
  EXPECT_TRUE(in[0].checksums_ok);
  // The backend's SYN-ACK goes back from the VIP.
  ASSERT_TRUE(app_->inject(Side::Inside, tcp_frame(kBackend, in_mac_, kClient.ip, 2525, kClientPort, kBackendIsn,
                                                   kClientIsn + 1, kTcpSyn | kTcpAck, 4096, {}, &syn)));
  app_->poll();
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].src, kVip);
  EXPECT_EQ(out[0].src_port, 2525);
  EXPECT_EQ(out[0].dst, kClient.ip);
  EXPECT_EQ(out[0].dst_port, kClientPort);
  EXPECT_EQ(out[0].dst_mac, kClientMac);
  EXPECT_EQ(out[0].seq, kBackendIsn);
  EXPECT_EQ(out[0].ack, kClientIsn + 1);
  EXPECT_EQ(out[0].flags, kTcpSyn | kTcpAck);
  EXPECT_TRUE(out[0].checksums_ok);
  EXPECT_EQ(app_->worker().counters().passthrough_packets.get(), 2u);
}

TEST_F(LiveDataplane, IcmpEchoToTheVipIsAnswered) {
  teach_neighbours();
  ASSERT_TRUE(app_->inject(Side::Outside, icmp_echo_request(kClient, out_mac_, kVip, 0x1234, 7)));
  app_->poll();
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].kind, Frame::Kind::Icmp);
  EXPECT_EQ(out[0].icmp_type, 0);  // echo reply
  EXPECT_EQ(out[0].src, kVip);
  EXPECT_EQ(out[0].dst, kClient.ip);
  EXPECT_EQ(out[0].dst_mac, kClientMac);
  EXPECT_TRUE(out[0].checksums_ok);
  EXPECT_EQ(out[0].payload.substr(4), std::string("\x12\x34\x00\x07pingpong", 12));
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
}

TEST_F(LiveDataplane, Ipv6HandshakeThroughTheV6Vip) {
  ASSERT_TRUE(app_->inject(Side::Inside, neighbor_solicitation(kBackend6, *IpAddr::parse("fd00::1"))));
  ASSERT_TRUE(app_->inject(Side::Outside, neighbor_solicitation(kClient6, kVip6)));
  app_->poll();
  const std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(in[0].kind, Frame::Kind::Icmpv6);
  EXPECT_EQ(in[0].icmp_type, 136);  // Neighbor Advertisement
  EXPECT_TRUE(in[0].checksums_ok);
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  EXPECT_EQ(out[0].icmp_type, 136);
  client_ = kClient6;
  backend_ = kBackend6;
  vip_ = kVip6;
  client_syn();
  complete_handshake();
  const std::string banner = "220 v6.example ESMTP\r\n";
  from_backend(b_seq(), w_to_backend(), kTcpPsh | kTcpAck, banner);
  app_->poll();
  const std::vector<Frame> relayed = app_->drain(Side::Outside);
  ASSERT_EQ(relayed.size(), 1u) << describe(relayed);
  EXPECT_EQ(relayed[0].payload, banner);
  EXPECT_EQ(relayed[0].src, kVip6);
  EXPECT_TRUE(relayed[0].checksums_ok);
}

class LiveDataplaneZeroWindow : public LiveDataplane {
 protected:
  void SetUp() override {
    start(config_with("  set send-buffer 4\n  set receive-buffer 4\n"));
    worker_window_ = 4096;
  }
};

TEST_F(LiveDataplaneZeroWindow, BackendZeroWindowStopsSendingThenProbes) {
  establish();
  // The backend closes its window; the client keeps sending.
  from_backend(b_seq(), w_to_backend(), kTcpAck, {}, 0);
  app_->poll();
  const std::string chunk(1000, 'x');
  for (uint32_t i = 0; i < 3; ++i) from_client(c_seq(i * 1000), w_to_client(), kTcpAck, chunk);
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());  // nothing may go into a zero window
  std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().ack, c_seq(3000));
  // 4 KB buffers: 3000 bytes moved to the server leg's send queue (4096), the client leg's buffer is empty.
  EXPECT_EQ(out.back().window, 4096);
  for (uint32_t i = 3; i < 6; ++i) from_client(c_seq(i * 1000), w_to_client(), kTcpAck, chunk);
  app_->poll();
  out = app_->drain(Side::Outside);
  ASSERT_FALSE(out.empty());
  // 6000 bytes in: 4096 queued towards the backend, 1904 wait in the client leg, so 2192 are free. But the
  // right edge may only move by min(buffer / 2, MSS) = 1440 or more (RFC 9293 §3.8.6.2.2): it stays at
  // 3000 + 4096 = 7096, and the window shrinks to 7096 - 6000.
  EXPECT_EQ(out.back().ack, c_seq(6000));
  EXPECT_EQ(out.back().window, 1096);
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  // The persist timer fires after the RTO (rto-min 10 ms: the handshake's RTT sample is far below it): one
  // 1-byte probe with the next byte.
  const auto zero_since = std::chrono::steady_clock::now();
  std::vector<Frame> probe;
  for (int i = 0; i < 200 && probe.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    app_->poll();
    probe = app_->drain(Side::Inside);
  }
  ASSERT_EQ(probe.size(), 1u) << describe(probe);
  EXPECT_GE(std::chrono::steady_clock::now() - zero_since, std::chrono::milliseconds(9));  // 1 ms wheel ticks
  EXPECT_EQ(probe[0].seq, w_to_backend());
  EXPECT_EQ(probe[0].payload, "x");
  EXPECT_GE(app_->worker().counters().zero_window_probes.get(), 1u);
  // The backend opens its window: the queued bytes flow.
  from_backend(b_seq(), w_to_backend(1), kTcpAck, {}, 8192);
  app_->poll();
  std::string flowed;
  for (const Frame& f : app_->drain(Side::Inside)) flowed += f.payload;
  EXPECT_FALSE(flowed.empty());
  EXPECT_EQ(flowed, std::string(flowed.size(), 'x'));
}

class LiveDataplaneCookies : public LiveDataplane {
 protected:
  void SetUp() override { start(config_with("  set max-half-open 1\n")); }
};

TEST_F(LiveDataplaneCookies, SecondSynWhileDiallingGetsACookie) {
  teach_neighbours();
  client_syn();  // session 1 dials: the one half-open slot is taken
  ASSERT_TRUE(app_->inject(Side::Outside, arp_request(kClient2, kVip)));
  app_->poll();
  app_->drain(Side::Outside);
  reassembly::TcpSynOptions syn;
  syn.mss = 1460;
  syn.window_scale = 7;
  syn.sack_permitted = true;
  ASSERT_TRUE(app_->inject(Side::Outside,
                           tcp_frame(kClient2, out_mac_, kVip, 41000, kSmtp, 7000, 0, kTcpSyn, 8192, {}, &syn)));
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Inside).empty());
  const std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  const Frame& cookie = out[0];
  EXPECT_EQ(cookie.flags, kTcpSyn | kTcpAck);
  EXPECT_EQ(cookie.ack, 7001u);
  EXPECT_EQ(cookie.dst, kClient2.ip);
  EXPECT_EQ(cookie.options.size(), 4u);  // MSS only
  EXPECT_EQ(cookie.syn_options.mss, 1460);
  EXPECT_EQ(cookie.syn_options.window_scale, -1);
  EXPECT_FALSE(cookie.syn_options.sack_permitted);
  EXPECT_EQ(app_->worker().sessions_in_use(), 1u);
  EXPECT_EQ(app_->worker().counters().syn_cookies_sent.get(), 1u);
  // The client's ACK returns the cookie: the session exists now and dials the backend.
  ASSERT_TRUE(app_->inject(Side::Outside, tcp_frame(kClient2, out_mac_, kVip, 41000, kSmtp, 7001, cookie.seq + 1,
                                                    kTcpAck, 8192)));
  app_->poll();
  EXPECT_EQ(app_->worker().sessions_in_use(), 2u);
  EXPECT_EQ(app_->worker().counters().syn_cookies_accepted.get(), 1u);
  const std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(in[0].flags, kTcpSyn);
  EXPECT_EQ(in[0].src, kClient2.ip);
  EXPECT_EQ(in[0].src_port, 41000);
  EXPECT_EQ(in[0].dst, kBackend.ip);
  EXPECT_TRUE(app_->drain(Side::Outside).empty());
}

// The harness itself: an appliance's ring ports are closed with it, so a process can make more appliances
// than DPDK has port slots (RTE_MAX_ETHPORTS, 32 in Debian's build).
TEST(RingApplianceHarness, PortsAreReleasedWithTheAppliance) {
  for (int i = 0; i < 24; ++i) {
    RingAppliance app(config_with(""));
    ASSERT_TRUE(app.ok()) << "appliance " << i << ": " << app.error();
  }
}

}  // namespace
}  // namespace sluice::testing
