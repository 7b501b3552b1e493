// The live dataplane's split proxy on ring ports: handshake, banner, refusal, out-of-order and overlapping data,
// resets in every state, simultaneous close, zero window — the exact segments the worker sends on both sides.
#include "tests/component/live_dataplane_fixture.h"

namespace sluice::testing {
namespace {

TEST_F(LiveDataplane, HandshakeDialsTheBackendFirst) { establish(); }

TEST_F(LiveDataplane, BannerReachesTheClientInOnePoll) {
  teach_neighbours();
  client_syn();
  complete_handshake();
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

// A client RST while the backend is still being dialled ends the attempt at once (both legs reset, phase Done),
// so the same iteration's service() never mistakes the aborted server leg for a refusal and answers the RST
// with RST|ACK (RFC 9293 §3.10.7: never answer a RST).
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

class LiveDataplaneZeroWindow : public LiveDataplane {
 protected:
  void SetUp() override {
    // 1,000 pipelined NOOPs: over the default max-junk-commands (100), which would end the session early.
    start(config_with("  set send-buffer 4\n  set receive-buffer 4\nend\nconfig smtp protocol-options\n"
                      "  set max-junk-commands 1000\n"));
    worker_window_ = 4096;
  }
};

TEST_F(LiveDataplaneZeroWindow, BackendZeroWindowStopsSendingThenProbes) {
  establish();
  // The backend closes its window; the client keeps sending commands (the relay forwards them re-serialised,
  // byte for byte the same for NOOP).
  from_backend(b_seq(), w_to_backend(), kTcpAck, {}, 0);
  app_->poll();
  std::string noops;
  while (noops.size() < 6000) noops += "NOOP\r\n";
  for (uint32_t batch = 0; batch < 2; ++batch) {   // within the client leg's 4 KB window each time
    for (uint32_t i = batch * 3; i < batch * 3 + 3; ++i) {
      from_client(c_seq(i * 1000), w_to_client(), kTcpAck, noops.substr(i * 1000, 1000));
    }
    app_->poll();
  }
  EXPECT_TRUE(app_->drain(Side::Inside).empty());  // nothing may go into a zero window
  std::vector<Frame> out = app_->drain(Side::Outside);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().ack, c_seq(6000));
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
  EXPECT_EQ(probe[0].payload, "N");
  EXPECT_GE(app_->worker().counters().zero_window_probes.get(), 1u);
  // The backend opens its window: the queued commands flow, in order.
  from_backend(b_seq(), w_to_backend(1), kTcpAck, {}, 8192);
  app_->poll();
  std::string flowed = "N";
  for (const Frame& f : app_->drain(Side::Inside)) flowed += f.payload;
  EXPECT_EQ(flowed, noops.substr(0, flowed.size()));
  EXPECT_GE(flowed.size(), 4000u);   // the server leg's 4 KB send queue, whole commands
}

}  // namespace
}  // namespace sluice::testing
