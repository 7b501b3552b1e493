// TcpEndpoint closing (RFC 9293 §3.6, §3.10.4, §3.10.7.4 eighth): active, passive and
// simultaneous close, half close, TIME-WAIT for 2 MSL, FIN-WAIT-2 bound, FIN retransmission.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/reassembly/tcp_endpoint_test_support.h"

namespace sluice::reassembly::endpoint_testing {
namespace {

using Segments = std::vector<Out>;
constexpr uint32_t kRcv = kPeerIsn + 1;
constexpr uint32_t kSnd = kIss + 1;
constexpr uint64_t kSecond = 1000 * kMs;

TEST(TcpEndpointClose, ActiveCloseThroughTimeWait) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.close(0);
  EXPECT_EQ(endpoint.state(), TcpState::FinWait1);
  EXPECT_EQ(endpoint.writable(), 0u);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck | kFin, 4000, ""}}));
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck, 20000), nullptr, 1 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::FinWait2);
  // Half close: the peer still sends, and we still receive.
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck, 20000, "bye"), nullptr, 2 * kMs);
  EXPECT_EQ(endpoint.read_view(), "bye");
  endpoint.on_segment(seg(kRcv + 3, kSnd + 1, kAck | kFin, 20000), nullptr, 3 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::TimeWait);
  EXPECT_TRUE(endpoint.peer_closed());
  EXPECT_FALSE(endpoint.is_closed());
  endpoint.flush(3 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1, kRcv + 4, kAck, 3996, ""}}));
  EXPECT_EQ(endpoint.next_timer_ns(), 3 * kMs + 60 * kSecond);
  // Our ACK was lost: the FIN again is acknowledged at once and restarts 2 MSL.
  endpoint.on_segment(seg(kRcv + 3, kSnd + 1, kAck | kFin, 20000), nullptr, 10 * kSecond);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1, kRcv + 4, kAck, 3996, ""}}));
  EXPECT_EQ(endpoint.next_timer_ns(), 70 * kSecond);
  // RFC 1337: a RST does not cut TIME-WAIT short.
  endpoint.on_segment(seg(kRcv + 4, 0, kRst, 0), nullptr, 11 * kSecond);
  EXPECT_EQ(endpoint.state(), TcpState::TimeWait);
  endpoint.on_timer(70 * kSecond - 1);
  EXPECT_EQ(endpoint.state(), TcpState::TimeWait);
  endpoint.on_timer(70 * kSecond);
  EXPECT_TRUE(endpoint.is_closed());
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::Normal);
  EXPECT_TRUE(sink.sent.empty());
}

TEST(TcpEndpointClose, FinAndItsAckTogether) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.close(0);
  endpoint.flush(0);
  sink.take();
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck | kFin, 20000), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::TimeWait);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1, kRcv + 1, kAck, 3999, ""}}));
}

TEST(TcpEndpointClose, PassiveCloseWithHalfCloseReply) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kRcv, kSnd, kAck | kFin, 20000), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::CloseWait);
  EXPECT_TRUE(endpoint.peer_closed());
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 1, kAck, 3999, ""}}));
  // Our direction is still open.
  EXPECT_EQ(endpoint.write("late reply"), 10u);
  endpoint.close(0);
  EXPECT_EQ(endpoint.state(), TcpState::LastAck);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 1, kAck | kFin, 3999, "late reply"}}));
  endpoint.on_segment(seg(kRcv + 1, kSnd + 10, kAck, 20000), nullptr, 1 * kMs);  // data only
  EXPECT_EQ(endpoint.state(), TcpState::LastAck);
  endpoint.on_segment(seg(kRcv + 1, kSnd + 11, kAck, 20000), nullptr, 2 * kMs);
  EXPECT_TRUE(endpoint.is_closed());
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::Normal);
  EXPECT_EQ(endpoint.next_timer_ns(), UINT64_MAX);
  EXPECT_TRUE(sink.sent.empty());
}

TEST(TcpEndpointClose, SimultaneousCloseGoesThroughClosing) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.close(0);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck | kFin, 4000, ""}}));
  endpoint.on_segment(seg(kRcv, kSnd, kAck | kFin, 20000), nullptr, 1 * kMs);  // its FIN crossed ours
  EXPECT_EQ(endpoint.state(), TcpState::Closing);
  endpoint.flush(1 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1, kRcv + 1, kAck, 3999, ""}}));
  endpoint.on_segment(seg(kRcv + 1, kSnd + 1, kAck, 20000), nullptr, 2 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::TimeWait);
  endpoint.on_timer(2 * kMs + 60 * kSecond);
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::Normal);
}

TEST(TcpEndpointClose, FinRidesOnTheLastDataAndIsRetransmitted) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);  // handshake RTT 0: RTO is rto_min, 200 ms
  endpoint.write(std::string(100, 'q'));
  endpoint.close(0);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck | kFin, 4000, std::string(100, 'q')}}));
  endpoint.on_segment(seg(kRcv, kSnd + 100, kAck, 20000), nullptr, 1 * kMs);  // data acked, FIN lost
  EXPECT_EQ(endpoint.state(), TcpState::FinWait1);
  endpoint.on_timer(endpoint.next_timer_ns());
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 100, kRcv, kAck | kFin, 4000, ""}}));
  endpoint.on_segment(seg(kRcv, kSnd + 101, kAck, 20000), nullptr, 300 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::FinWait2);
}

TEST(TcpEndpointClose, FinWait2IsBounded) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.close(0);
  endpoint.flush(0);
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck, 20000), nullptr, 0);
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck, 20000, "x"), nullptr, 5 * kSecond);  // activity restarts it
  EXPECT_EQ(endpoint.next_timer_ns(), 65 * kSecond);
  endpoint.on_timer(65 * kSecond);
  EXPECT_TRUE(endpoint.is_closed());
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::TimedOut);
}

TEST(TcpEndpointClose, FinBeyondAHoleWaitsForTheData) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kRcv + 5, kSnd, kAck | kFin, 20000, "world"), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, ""}}));
  EXPECT_EQ(endpoint.state(), TcpState::Established);
  EXPECT_FALSE(endpoint.peer_closed());
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000, "hello"), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::CloseWait);
  EXPECT_TRUE(endpoint.peer_closed());
  EXPECT_EQ(endpoint.read_view(), "helloworld");
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 11, kAck, 3989, ""}}));
}

TEST(TcpEndpointClose, CloseBeforeEstablishedSendsFinAfterHandshake) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.receive_syn(seg(kPeerIsn, 0, kSyn, 20000), TcpSynOptions{1000, -1, false}, kIss, 0);
  endpoint.accept(0);
  endpoint.write("early");
  endpoint.close(0);
  EXPECT_EQ(endpoint.state(), TcpState::SynReceived);
  sink.take();
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::FinWait1);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck | kFin, 4000, "early"}}));
}

}  // namespace
}  // namespace sluice::reassembly::endpoint_testing
