// The live dataplane around the proxy, on ring ports: default deny, DNAT pass-through, ICMP echo, IPv6 through
// ND, SYN cookies, and the harness releasing its ports.
#include "tests/component/live_dataplane_fixture.h"

#include <chrono>
#include <thread>

namespace sluice::testing {
namespace {

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

// RES-3: a client that trickles a command keeps the connection alive (never idle) but never finishes it.
class LiveDataplaneSlowClient : public LiveDataplane {
 protected:
  void SetUp() override { start(config_with("end\nconfig smtp protocol-options\n  set command-timeout 1\n")); }
};

TEST_F(LiveDataplaneSlowClient, TrickledCommandIsCutOffAfterCommandTimeout) {
  establish();
  const auto first_byte = std::chrono::steady_clock::now();
  from_client(c_seq(), w_to_client(), kTcpPsh | kTcpAck, "EHL");
  app_->poll();
  app_->drain(Side::Outside);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  from_client(c_seq(3), w_to_client(), kTcpPsh | kTcpAck, "O");   // still alive, still not a whole line
  app_->poll();
  app_->drain(Side::Outside);
  std::string to_client;
  bool fin = false;
  for (int i = 0; i < 300 && !fin; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    app_->poll();
    for (const Frame& f : app_->drain(Side::Outside)) {
      to_client += f.payload;
      fin = fin || (f.flags & kTcpFin);
    }
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - first_byte).count();
  EXPECT_EQ(to_client, "421 4.4.2 Error: timeout exceeded\r\n");
  EXPECT_TRUE(fin);
  EXPECT_GE(waited, 1.0);
  EXPECT_LT(waited, 2.5);
  std::string to_backend;
  for (const Frame& f : app_->drain(Side::Inside)) to_backend += f.payload;
  EXPECT_EQ(to_backend, "");   // the unfinished command never reached the backend
}

// RES-3: message content trickled below min-data-rate ends the session once command-timeout has passed.
class LiveDataplaneSlowBody : public LiveDataplane {
 protected:
  void SetUp() override {
    start(config_with("end\nconfig smtp protocol-options\n  set command-timeout 1\n  set min-data-rate 1000000\n"));
  }
  // The next in-order payload bytes of `frames` from `side`'s sender, starting at sequence `next` (retransmissions
  // of what was already taken are skipped); FIN noted.
  static void take_in_order(const std::vector<Frame>& frames, uint32_t& next, std::string& out, bool& fin) {
    for (const Frame& f : frames) {
      if (f.seq == next && !f.payload.empty()) {
        out += f.payload;
        next += static_cast<uint32_t>(f.payload.size());
      }
      fin = fin || (f.flags & kTcpFin);
    }
  }
};

TEST_F(LiveDataplaneSlowBody, ContentBelowTheMinimumRateIsCutOff) {
  establish();
  const std::string envelope = "MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\nDATA\r\n";
  from_client(c_seq(), w_to_client(), kTcpPsh | kTcpAck, envelope);
  app_->poll();
  std::string to_backend, to_client;
  uint32_t backend_next = w_to_backend(), client_next = w_to_client();
  bool fin_client = false, fin_backend = false;
  take_in_order(app_->drain(Side::Inside), backend_next, to_backend, fin_backend);
  ASSERT_EQ(to_backend, "MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\n");   // DATA is Sluice's
  const std::string replies = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n";
  from_backend(b_seq(), backend_next, kTcpPsh | kTcpAck, replies);
  app_->poll();
  take_in_order(app_->drain(Side::Outside), client_next, to_client, fin_client);
  ASSERT_EQ(to_client, replies + "354 End data with <CR><LF>.<CR><LF>\r\n");
  from_backend(b_seq(replies.size()), backend_next, kTcpAck);   // the backend is quiet from here on
  const auto body_began = std::chrono::steady_clock::now();
  from_client(c_seq(envelope.size()), client_next, kTcpPsh | kTcpAck, "Subject: slow\r\n");   // 15 bytes, then silence
  to_client.clear();
  for (int i = 0; i < 300 && !fin_client; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    app_->poll();
    take_in_order(app_->drain(Side::Outside), client_next, to_client, fin_client);
    take_in_order(app_->drain(Side::Inside), backend_next, to_backend, fin_backend);
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - body_began).count();
  EXPECT_EQ(to_client, "421 4.4.2 Error: timeout exceeded\r\n");
  EXPECT_TRUE(fin_client);
  EXPECT_GE(waited, 1.0);   // not before command-timeout has passed
  EXPECT_LT(waited, 2.5);
  EXPECT_EQ(to_backend, "MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\n");   // held: nothing sent
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
