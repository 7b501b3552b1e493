// tests/adversarial/tcp/backend_bypass_test.cc — THREATS TCP-9 live: trying to reach the protected server other
// than through the inspected relay. From the outside port: SYNs and data addressed straight to the backend's
// addresses (IPv4 and IPv6), to the inside interface, and to the VIP's ports that no policy names; and frames
// that pretend to come from the backend (its source address) arriving on the outside port. Expected: nothing is
// transmitted on the inside port, the client side gets nothing either (no RST that would confirm a host), every
// frame is counted in `drops_no_policy` (default deny), and no connection is opened.
//
// Both address families come from the fixture's configuration (tests/component/live_dataplane_fixture.h: backend
// 10.0.0.25 and fd00::25, inside 10.0.0.1 and fd00::1, VIP 198.51.100.10 ports 25 (inspected) and 2525
// (pass-through), VIP6 2001:db8::25 port 25); fd00:25::25 is the backend address docs/security.md names, in no
// configured subnet. Both neighbours are learned first, so a frame that were forwarded could really leave.
// May call: the adversarial fixture (crafted frames, WireLog).
#include <string>
#include <vector>

#include "tests/adversarial/tcp/adversarial_fixture.h"

namespace sluice::testing {
namespace {

const IpAddr kInside4 = *IpAddr::parse("10.0.0.1");
const IpAddr kInside6 = *IpAddr::parse("fd00::1");
const IpAddr kUnlistedBackend6 = *IpAddr::parse("fd00:25::25");
constexpr uint16_t kAttackerPort = 41000;

class Tcp9BackendBypass : public AdversarialTcp {
 protected:
  // ARP and ND from both peers, so the worker could forward to the backend over either family.
  void learn_both_families() {
    teach_neighbours();
    ASSERT_TRUE(app_->inject(Side::Inside, neighbor_solicitation(kBackend6, kInside6)));
    ASSERT_TRUE(app_->inject(Side::Outside, neighbor_solicitation(kClient6, kVip6)));
    app_->poll();
    ASSERT_EQ(app_->drain(Side::Inside).size(), 1u);
    ASSERT_EQ(app_->drain(Side::Outside).size(), 1u);
  }

  // A crafted frame arriving on the outside port from `from` (to the appliance's outside MAC, as a router sends it).
  std::vector<uint8_t> outside_frame(const Host& from, const IpAddr& to, uint16_t src_port, uint16_t dst_port,
                                     uint8_t flags, std::string_view payload = {}) const {
    reassembly::TcpSynOptions syn;
    syn.mss = 1460;
    return tcp_frame(from, out_mac_, to, src_port, dst_port, 7000, flags & kTcpAck ? 9000 : 0, flags, kPeerWindow,
                     payload, (flags & kTcpSyn) ? &syn : nullptr);
  }

  // Injects each frame on the outside port, one poll each; nothing may leave the inside port nor answer the sender,
  // each is one more default-deny drop, and no connection or pass-through entry appears.
  void expect_all_dropped_by_default_deny(const std::vector<std::vector<uint8_t>>& frames) {
    const uint64_t drops_before = app_->worker().counters().drops_no_policy.get();
    const uint64_t opened_before = app_->worker().counters().sessions_opened.get();
    const uint32_t connections_before = app_->worker().connections();
    for (const std::vector<uint8_t>& frame : frames) {
      inject_from_client(frame);
      app_->poll();
      const std::vector<Frame> in = app_->drain(Side::Inside);
      EXPECT_TRUE(in.empty()) << "reached the inside port:\n" << describe(in);
      const std::vector<Frame> out = app_->drain(Side::Outside);
      EXPECT_TRUE(out.empty()) << "answered on the outside port:\n" << describe(out);
    }
    EXPECT_EQ(app_->worker().counters().drops_no_policy.get() - drops_before, frames.size());
    EXPECT_EQ(app_->worker().connections(), connections_before);
    EXPECT_EQ(app_->worker().counters().passthrough_opened.get(), 0u);
    EXPECT_EQ(app_->worker().counters().sessions_opened.get(), opened_before);
  }

  // A SYN and a data segment to each port of `to`, from `from`.
  std::vector<std::vector<uint8_t>> syn_and_data(const Host& from, const IpAddr& to,
                                                 const std::vector<uint16_t>& ports) const {
    std::vector<std::vector<uint8_t>> frames;
    for (const uint16_t port : ports) {
      frames.push_back(outside_frame(from, to, kAttackerPort, port, kTcpSyn));
      frames.push_back(outside_frame(from, to, kAttackerPort, port, kTcpPsh | kTcpAck, "MAIL FROM:<x@evil.example>\r\n"));
    }
    return frames;
  }
};

// The backend's own IPv4 address, on the SMTP port, the pass-through port and others: default deny.
TEST_F(Tcp9BackendBypass, SynsAndDataToTheBackendsIpv4AddressReachNothing) {
  learn_both_families();
  expect_all_dropped_by_default_deny(syn_and_data(kClient, kBackend.ip, {25, 2525, 465, 587, 22, 80}));
}

TEST_F(Tcp9BackendBypass, SynsAndDataToTheBackendsIpv6AddressesReachNothing) {
  learn_both_families();
  std::vector<std::vector<uint8_t>> frames = syn_and_data(kClient6, kBackend6.ip, {25, 2525, 465, 587, 22});
  const std::vector<std::vector<uint8_t>> unlisted = syn_and_data(kClient6, kUnlistedBackend6, {25, 587});
  frames.insert(frames.end(), unlisted.begin(), unlisted.end());
  expect_all_dropped_by_default_deny(frames);
}

// The inside interface's own addresses are not reachable from outside either (the appliance has no service there).
TEST_F(Tcp9BackendBypass, SynsAndDataToTheInsideInterfaceReachNothing) {
  learn_both_families();
  std::vector<std::vector<uint8_t>> frames = syn_and_data(kClient, kInside4, {25, 22});
  const std::vector<std::vector<uint8_t>> v6 = syn_and_data(kClient6, kInside6, {25, 22});
  frames.insert(frames.end(), v6.begin(), v6.end());
  expect_all_dropped_by_default_deny(frames);
}

// Ports of the VIPs that no policy names (2525 is the configured pass-through, DNAT by design, not tried here; on
// the IPv6 VIP only 25 is configured, so 2525 is tried there).
TEST_F(Tcp9BackendBypass, SynsAndDataToUnlistedVipPortsReachNothing) {
  learn_both_families();
  std::vector<std::vector<uint8_t>> frames = syn_and_data(kClient, kVip, {24, 26, 22, 80, 443, 465, 587, 2526, 65535});
  const std::vector<std::vector<uint8_t>> v6 = syn_and_data(kClient6, kVip6, {24, 26, 465, 587, 2525});
  frames.insert(frames.end(), v6.begin(), v6.end());
  expect_all_dropped_by_default_deny(frames);
}

// During a live session, a frame on the outside port with the backend leg's addresses (backend:25 -> client:40000,
// as the backend's replies look inside) carrying a forged reply: it is nobody's connection on that port. It is not
// forwarded inside, not relayed to the client, and the session carries on with the real backend's reply. Its
// source is the backend's address, so the outside port drops it as spoofed before any lookup.
TEST_F(Tcp9BackendBypass, ForgedBackendSegmentOnTheOutsidePortIsNotForwarded) {
  establish();
  WireLog to_client(w_to_client()), to_backend(w_to_backend());
  const std::string mail = "MAIL FROM:<good@ok.example>\r\n";
  inject_from_client(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, mail));
  poll_into(to_client, to_backend);
  ASSERT_EQ(to_backend.bytes, mail);
  const uint64_t drops_before = app_->worker().counters().drops_spoofed_source.get();
  for (const uint8_t flags : {uint8_t(kTcpPsh | kTcpAck), uint8_t(kTcpSyn | kTcpAck), uint8_t(kTcpRst)}) {
    inject_from_client(tcp_frame(kBackend, out_mac_, kClient.ip, kSmtp, kClientPort, b_seq(), to_backend.next,
                                 flags, kPeerWindow, flags & kTcpRst ? "" : "250 2.1.0 forged\r\n"));
    app_->poll();
    const std::vector<Frame> in = app_->drain(Side::Inside);
    EXPECT_TRUE(in.empty()) << describe(in);
    const std::vector<Frame> out = app_->drain(Side::Outside);
    EXPECT_TRUE(out.empty()) << describe(out);
  }
  EXPECT_EQ(app_->worker().counters().drops_spoofed_source.get() - drops_before, 3u);
  EXPECT_EQ(app_->worker().sessions_in_use(), 1u) << "the forged RST ended the session";
  backend_replies(to_client, to_backend, "250 2.1.0 Ok\r\n");
  EXPECT_EQ(to_client.bytes, "250 2.1.0 Ok\r\n");
  EXPECT_FALSE(to_client.rst);
}

TEST_F(Tcp9BackendBypass, ForgedIpv6BackendSegmentOnTheOutsidePortIsNotForwarded) {
  establish_v6();
  WireLog to_client(w_to_client()), to_backend(w_to_backend());
  const uint64_t drops_before = app_->worker().counters().drops_spoofed_source.get();
  inject_from_client(tcp_frame(kBackend6, out_mac_, kClient6.ip, kSmtp, kClientPort, b_seq(), w_to_backend(),
                               kTcpPsh | kTcpAck, kPeerWindow, "250 2.1.0 forged\r\n"));
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_client.payload_frames, 0u);
  EXPECT_EQ(to_backend.payload_frames, 0u);
  EXPECT_FALSE(to_backend.ack_seen) << "the worker acknowledged a forged segment to the backend";
  EXPECT_EQ(app_->worker().counters().drops_spoofed_source.get() - drops_before, 1u);
  EXPECT_EQ(app_->worker().sessions_in_use(), 1u);
}

// A connection opened from outside with the backend's own address as its source, to the inspected port: a
// proxy that accepted it would dial the backend from the backend's address (a LAND-style SYN on the inside
// port) and talk to the server as if the server were its own client. Expected: the outside port never accepts
// an inside address as a source; nothing reaches the inside port.
TEST_F(Tcp9BackendBypass, SynFromTheBackendsAddressOnTheOutsidePortReachesNothingInside) {
  // Found by this test (issue 8): the session opened and dialled 10.0.0.25:25 -> 10.0.0.25:25 on the inside port.
  // Fixed: the outside port drops an inside, backend or own source address (drops_spoofed_source).
  learn_both_families();
  const Host spoofed4{kClientMac, kBackend.ip}, spoofed6{kClientMac, kBackend6.ip};
  for (const auto& [from, to] : {std::pair{spoofed4, kVip}, std::pair{spoofed6, kVip6}}) {
    inject_from_client(outside_frame(from, to, kSmtp, kSmtp, kTcpSyn));
    app_->poll();
    const std::vector<Frame> in = app_->drain(Side::Inside);
    EXPECT_TRUE(in.empty()) << "a SYN from the backend's own address was dialled inside:\n" << describe(in);
    app_->drain(Side::Outside);
  }
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
  EXPECT_EQ(app_->worker().counters().drops_spoofed_source.get(), 2u);
}

// The same through the pass-through port, whose SYNs are only destination-NATted: a spoofed backend source would
// leave the inside port with the backend as both source and destination.
TEST_F(Tcp9BackendBypass, PassThroughSynFromTheBackendsAddressReachesNothingInside) {
  // The same root cause on the DNAT path: the SYN left the inside port as 10.0.0.25:41000 -> 10.0.0.25:2525.
  learn_both_families();
  inject_from_client(outside_frame(Host{kClientMac, kBackend.ip}, kVip, kAttackerPort, 2525, kTcpSyn));
  app_->poll();
  const std::vector<Frame> in = app_->drain(Side::Inside);
  EXPECT_TRUE(in.empty()) << "a SYN from the backend's own address was forwarded inside:\n" << describe(in);
  EXPECT_EQ(app_->worker().counters().passthrough_opened.get(), 0u);
  EXPECT_EQ(app_->worker().counters().drops_spoofed_source.get(), 1u);
}

}  // namespace
}  // namespace sluice::testing
