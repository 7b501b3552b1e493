// SplitProxy between two real TcpEndpoints: a client and a backend, wired through in-memory queues on a
// simulated clock. Pins proxy-after-handshake, banner passthrough in one service call, refusal and
// time-out answers, flow control with bounded buffers, FIN and RST carried across, and the end reasons.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "reassembly/split_proxy.h"
#include "reassembly/tcp_options.h"

namespace sluice::reassembly {
namespace {

constexpr uint64_t kMs = 1'000'000;

struct Wire {
  TcpSegment header;
  std::string bytes;
  bool has_options = false;
  TcpSynOptions options;
};

class Queue final : public SegmentSink {
 public:
  void send_segment(const SegmentOut& out) override {
    Wire w;
    w.header.seq = out.seq;
    w.header.ack = out.ack;
    w.header.flags = out.flags;
    w.header.window = out.window;
    w.bytes.assign(out.payload[0]);
    w.bytes.append(out.payload[1]);
    w.has_options = out.has_syn_options;
    w.options = out.syn_options;
    segments.push_back(std::move(w));
  }
  std::deque<Wire> segments;
};

TcpEndpointConfig small_endpoint() {
  TcpEndpointConfig c;
  c.send_buffer = 16 * 1024;
  c.receive_buffer = 16 * 1024;
  c.ooo_bytes = 16 * 1024;
  c.time_wait_ms = 100;
  c.fin_wait2_ms = 1000;
  return c;
}

class SplitProxyTest : public ::testing::Test {
 protected:
  SplitProxyTest() : client_(small_endpoint()), backend_(small_endpoint()), proxy_(proxy_config()) {
    client_.set_sink(&from_client_);
    backend_.set_sink(&from_backend_);
    proxy_.set_sinks(&to_client_, &to_backend_);
  }

  static SplitProxyConfig proxy_config() {
    SplitProxyConfig c;
    c.client_leg = small_endpoint();
    c.server_leg = small_endpoint();
    c.connect_timeout_ns = 2000 * kMs;
    c.idle_timeout_ns = 60000 * kMs;
    return c;
  }

  // The client's SYN opens the proxy, as the worker does for a SYN that matches no session.
  void client_syn() {
    client_.connect(kClientIsn, now_);
    ASSERT_EQ(from_client_.segments.size(), 1u);
    const Wire syn = take(from_client_);
    Wire copy = syn;
    copy.header.payload = copy.bytes;
    proxy_.open(copy.header, syn.options, kProxyClientIss, kProxyServerIss, now_);
    proxy_.service(now_);
  }

  // The backend listens: it accepts whatever SYN the proxy's server leg sends.
  void backend_accepts() {
    ASSERT_FALSE(to_backend_.segments.empty());
    Wire syn = take(to_backend_);
    syn.header.payload = syn.bytes;
    ASSERT_TRUE(syn.header.has(tcp_flag::SYN));
    backend_.receive_syn(syn.header, syn.options, kBackendIss, now_);
    backend_.accept(now_);
  }

  // Delivers every queued segment until nothing moves (each step = one poll iteration of the worker).
  void run(int max_rounds = 10000) {
    for (int round = 0; round < max_rounds; ++round) {
      bool moved = false;
      moved |= deliver(from_client_, [&](Wire& w) {
        proxy_.on_client_segment(w.header, w.has_options ? &w.options : nullptr, now_);
      });
      moved |= deliver(from_backend_, [&](Wire& w) {
        proxy_.on_server_segment(w.header, w.has_options ? &w.options : nullptr, now_);
      });
      proxy_.service(now_);
      moved |= deliver(to_client_, [&](Wire& w) { client_.on_segment(w.header, w.has_options ? &w.options : nullptr, now_); });
      moved |= deliver(to_backend_, [&](Wire& w) { backend_.on_segment(w.header, w.has_options ? &w.options : nullptr, now_); });
      on_round();
      client_.flush(now_);
      backend_.flush(now_);
      if (!moved && from_client_.segments.empty() && from_backend_.segments.empty()) return;
    }
  }

  void advance(uint64_t ns) {
    now_ += ns;
    client_.on_timer(now_);
    backend_.on_timer(now_);
    proxy_.on_timer(now_);
    proxy_.service(now_);
    run();
  }

  template <typename Apply>
  bool deliver(Queue& q, Apply&& apply) {
    bool moved = false;
    while (!q.segments.empty()) {
      Wire w = take(q);
      w.header.payload = w.bytes;
      apply(w);
      moved = true;
    }
    return moved;
  }

  static Wire take(Queue& q) {
    Wire w = std::move(q.segments.front());
    q.segments.pop_front();
    return w;
  }

  static std::string read_all(TcpEndpoint& e) {
    std::string out;
    while (e.readable() > 0) {
      const std::string_view v = e.read_view();
      out.append(v);
      e.consume(static_cast<uint32_t>(v.size()));
    }
    return out;
  }

  std::function<void()> on_round = [] {};
  static constexpr uint32_t kClientIsn = 1000, kProxyClientIss = 50000, kProxyServerIss = 90000, kBackendIss = 7000;
  uint64_t now_ = 1000 * kMs;
  Queue from_client_, from_backend_, to_client_, to_backend_;
  TcpEndpoint client_, backend_;
  SplitProxy proxy_;
};

TEST_F(SplitProxyTest, ClientGetsNoSynAckUntilTheBackendAnswers) {
  client_syn();
  EXPECT_TRUE(to_client_.segments.empty());
  ASSERT_EQ(to_backend_.segments.size(), 1u);
  const Wire& syn = to_backend_.segments.front();
  EXPECT_EQ(syn.header.flags, tcp_flag::SYN);
  EXPECT_EQ(syn.header.seq, kProxyServerIss);
  EXPECT_TRUE(proxy_.dialing());

  backend_accepts();
  run();
  EXPECT_EQ(proxy_.phase(), ProxyPhase::Relaying);
  EXPECT_EQ(client_.state(), TcpState::Established);
  EXPECT_EQ(backend_.state(), TcpState::Established);
  EXPECT_EQ(client_.snd_nxt(), kClientIsn + 1);
  EXPECT_EQ(client_.rcv_nxt(), kProxyClientIss + 1);
}

TEST_F(SplitProxyTest, BannerCrossesInTheSameServiceCall) {
  client_syn();
  backend_accepts();
  run();
  backend_.write("220 mx.example ESMTP\r\n");
  backend_.flush(now_);
  ASSERT_EQ(from_backend_.segments.size(), 1u);
  Wire banner = take(from_backend_);
  banner.header.payload = banner.bytes;
  proxy_.on_server_segment(banner.header, nullptr, now_);
  proxy_.service(now_);  // one poll iteration
  std::string relayed;
  for (const Wire& w : to_client_.segments) relayed += w.bytes;
  EXPECT_EQ(relayed, "220 mx.example ESMTP\r\n");
  run();
  EXPECT_EQ(read_all(client_), "220 mx.example ESMTP\r\n");
}

TEST_F(SplitProxyTest, BackendRefusalGivesTheClientRstAckOfItsSyn) {
  client_syn();
  Wire syn = take(to_backend_);
  TcpSegment rst;
  rst.seq = 0;
  rst.ack = syn.header.seq + 1;
  rst.flags = tcp_flag::RST | tcp_flag::ACK;
  proxy_.on_server_segment(rst, nullptr, now_);
  proxy_.service(now_);
  ASSERT_EQ(to_client_.segments.size(), 1u);
  const Wire& answer = to_client_.segments.front();
  EXPECT_EQ(answer.header.flags, tcp_flag::RST | tcp_flag::ACK);
  EXPECT_EQ(answer.header.seq, 0u);
  EXPECT_EQ(answer.header.ack, kClientIsn + 1);
  EXPECT_EQ(proxy_.phase(), ProxyPhase::Done);
  EXPECT_EQ(proxy_.end_reason(), ProxyEnd::BackendRefused);
}

TEST_F(SplitProxyTest, SilentBackendTimesOutIntoAClientRst) {
  client_syn();
  to_backend_.segments.clear();
  EXPECT_EQ(proxy_.next_timer_ns(), now_ + 1000 * kMs);  // the server leg's first SYN retransmission
  for (int i = 0; i < 4 && proxy_.phase() != ProxyPhase::Done; ++i) {
    now_ += 500 * kMs;
    proxy_.on_timer(now_);
    proxy_.service(now_);
    to_backend_.segments.clear();  // the backend hears nothing
  }
  EXPECT_EQ(proxy_.phase(), ProxyPhase::Done);
  EXPECT_EQ(proxy_.end_reason(), ProxyEnd::BackendTimeout);
  ASSERT_EQ(to_client_.segments.size(), 1u);
  EXPECT_EQ(to_client_.segments.front().header.flags, tcp_flag::RST | tcp_flag::ACK);
}

TEST_F(SplitProxyTest, ClientThatNeverCompletesItsHandshakeFreesTheBackendWithinConnectTimeout) {
  client_syn();
  backend_accepts();
  backend_.flush(now_);
  Wire syn_ack = take(from_backend_);
  syn_ack.header.payload = syn_ack.bytes;
  proxy_.on_server_segment(syn_ack.header, &syn_ack.options, now_);
  proxy_.service(now_);
  ASSERT_EQ(to_client_.segments.size(), 1u);  // our SYN-ACK; the (spoofed) client never answers
  EXPECT_TRUE(proxy_.half_open());
  EXPECT_FALSE(proxy_.dialing());
  to_client_.segments.clear();
  now_ += 2000 * kMs;  // connect_timeout
  proxy_.on_timer(now_);
  proxy_.service(now_);
  EXPECT_EQ(proxy_.phase(), ProxyPhase::Done);
  EXPECT_EQ(proxy_.end_reason(), ProxyEnd::ClientTimeout);
  run();
  EXPECT_TRUE(backend_.is_closed());
  EXPECT_EQ(backend_.close_reason(), TcpEndpoint::CloseReason::ResetByPeer);
}

TEST_F(SplitProxyTest, SlowBackendSlowsTheClientAndBuffersStayBounded) {
  client_syn();
  backend_accepts();
  run();
  std::string sent(1 << 20, '\0');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>('a' + (i * 7919) % 26);
  size_t offset = 0;
  std::string received;
  bool backend_reads = false;
  on_round = [&] {
    offset += client_.write(std::string_view(sent).substr(offset));
    if (backend_reads) received += read_all(backend_);
  };
  run(200);
  // The backend reads nothing: the proxy holds at most one receive buffer and one send buffer of it.
  const uint32_t held = proxy_.client_leg().readable() + 16 * 1024;
  EXPECT_LE(proxy_.bytes_relayed(Direction::ClientToServer), 2u * 16 * 1024 + held);
  EXPECT_LT(offset, sent.size());
  backend_reads = true;
  for (int i = 0; i < 50 && received.size() < sent.size(); ++i) advance(300 * kMs);
  EXPECT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
}

TEST_F(SplitProxyTest, FinCrossesBothWaysAndTheProxyEndsCompleted) {
  client_syn();
  backend_accepts();
  run();
  client_.write("QUIT\r\n");
  client_.close(now_);
  run();
  EXPECT_EQ(read_all(backend_), "QUIT\r\n");
  EXPECT_TRUE(backend_.peer_closed());
  backend_.write("221 bye\r\n");
  backend_.close(now_);
  run();
  EXPECT_EQ(read_all(client_), "221 bye\r\n");
  advance(200 * kMs);  // past TIME-WAIT
  EXPECT_EQ(proxy_.phase(), ProxyPhase::Done);
  EXPECT_EQ(proxy_.end_reason(), ProxyEnd::Completed);
}

TEST_F(SplitProxyTest, ClientResetResetsTheBackend) {
  client_syn();
  backend_accepts();
  run();
  client_.abort(now_);
  run();
  EXPECT_EQ(proxy_.phase(), ProxyPhase::Done);
  EXPECT_EQ(proxy_.end_reason(), ProxyEnd::ClientReset);
  EXPECT_TRUE(backend_.is_closed());
  EXPECT_EQ(backend_.close_reason(), TcpEndpoint::CloseReason::ResetByPeer);
}

TEST_F(SplitProxyTest, RelayTapSeesEveryByteOnceInOrder) {
  struct Tap final : RelayTap {
    void on_relayed(Direction d, std::string_view bytes, uint64_t) override {
      (d == Direction::ClientToServer ? up : down).append(bytes);
    }
    std::string up, down;
  } tap;
  proxy_.set_tap(&tap);
  client_syn();
  backend_accepts();
  run();
  backend_.write("220 hi\r\n");
  client_.write("EHLO a\r\n");
  run();
  backend_.write("250 ok\r\n");
  run();
  EXPECT_EQ(tap.up, "EHLO a\r\n");
  EXPECT_EQ(tap.down, "220 hi\r\n250 ok\r\n");
}

}  // namespace
}  // namespace sluice::reassembly
