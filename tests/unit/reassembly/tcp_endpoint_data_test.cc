// TcpEndpoint data transfer: receive window and SWS avoidance (RFC 9293 §3.8.6), the
// acceptability test, out-of-order and duplicate segments, RTO and Karn (RFC 6298),
// congestion control and fast retransmit (RFC 5681), zero-window probes. Exact segments.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/reassembly/tcp_endpoint_test_support.h"

namespace sluice::reassembly::endpoint_testing {
namespace {

using Segments = std::vector<Out>;
constexpr uint32_t kRcv = kPeerIsn + 1;  // the peer's first data byte
constexpr uint32_t kSnd = kIss + 1;      // our first data byte

std::string block(char c, size_t n = 1000) { return std::string(n, c); }

TEST(TcpEndpointData, InOrderDataIsAckedOnceAtFlush) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000, "hello "), nullptr, 0);
  endpoint.on_segment(seg(kRcv + 6, kSnd, kAck, 20000, "world"), nullptr, 0);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.read_view(), "hello world");
  endpoint.flush(0);
  // One coalesced ACK; the right edge stays where it was (nothing was read yet).
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 11, kAck, 4000 - 11, ""}}));
  endpoint.flush(0);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.counters().bytes_in, 11u);
}

TEST(TcpEndpointData, ZeroWindowThenSwsAvoidingUpdates) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  for (int i = 0; i < 4; ++i) endpoint.on_segment(seg(kRcv + i * 1000, kSnd, kAck, 20000, block('a' + i)), nullptr, 0);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 4000, kAck, 0, ""}}));
  EXPECT_EQ(endpoint.readable(), 4000u);
  // A zero-window probe is not acceptable: answered at once, window still 0.
  endpoint.on_segment(seg(kRcv + 4000, kSnd, kAck, 20000, "z"), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 4000, kAck, 0, ""}}));
  EXPECT_EQ(endpoint.readable(), 4000u);
  // Reading 999 bytes is not worth a window update (< min(2000, MSS 1000)); 1000 is.
  endpoint.consume(999);
  endpoint.flush(0);
  EXPECT_TRUE(sink.sent.empty());
  endpoint.consume(1);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 4000, kAck, 1000, ""}}));
  // Data beyond the window is trimmed to it.
  endpoint.on_segment(seg(kRcv + 4000, kSnd, kAck, 20000, block('e', 1500)), nullptr, 0);
  EXPECT_EQ(endpoint.readable(), 4000u);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 5000, kAck, 0, ""}}));
  EXPECT_EQ(endpoint.counters().bytes_in, 5000u);
}

TEST(TcpEndpointData, OutOfOrderIsQueuedAndDupAckedAtOnce) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kRcv + 1000, kSnd, kAck, 20000, block('b')), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, ""}}));
  endpoint.on_segment(seg(kRcv + 2000, kSnd, kAck, 20000, block('c')), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, ""}}));
  EXPECT_EQ(endpoint.readable(), 0u);
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000, block('a')), nullptr, 0);  // fills the hole
  EXPECT_EQ(endpoint.readable(), 3000u);
  EXPECT_EQ(endpoint.read_view(), block('a') + block('b') + block('c'));
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 3000, kAck, 1000, ""}}));
  // An old copy: a duplicate, acknowledged at once.
  endpoint.on_segment(seg(kRcv + 1000, kSnd, kAck, 20000, block('x')), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv + 3000, kAck, 1000, ""}}));
  EXPECT_EQ(endpoint.read_view(), block('a') + block('b') + block('c'));  // first copy wins
  EXPECT_EQ(endpoint.counters().out_of_order, 2u);
  EXPECT_EQ(endpoint.counters().duplicates, 1u);
}

TEST(TcpEndpointData, SendRespectsMssAndPeerWindow) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink, 2500);
  EXPECT_EQ(endpoint.write(block('s', 3000)), 3000u);
  EXPECT_EQ(endpoint.writable(), 7000u);
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, block('s')},
                                   {kSnd + 1000, kRcv, kAck, 4000, block('s')},
                                   {kSnd + 2000, kRcv, kAck, 4000, block('s', 500)}}));
  endpoint.on_segment(seg(kRcv, kSnd + 2500, kAck, 2500), nullptr, 10 * kMs);
  EXPECT_EQ(endpoint.writable(), 9500u);
  endpoint.flush(10 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 2500, kRcv, kAck, 4000, block('s', 500)}}));
  EXPECT_EQ(endpoint.counters().bytes_out, 3000u);
}

// The cookie path gives an endpoint with no RTT sample yet: RFC 6298's initial 1 s RTO.
void open_without_sample(TcpEndpoint& endpoint, SegmentRecorder& sink, uint16_t peer_window = 20000) {
  endpoint.set_sink(&sink);
  endpoint.open_established(kIss, kPeerIsn, TcpSynOptions{1000, -1, false}, peer_window, 0);
}

TEST(TcpEndpointData, RttSampleSetsRto) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  open_without_sample(endpoint, sink);
  endpoint.write("x");
  endpoint.flush(0);
  EXPECT_EQ(endpoint.next_timer_ns(), 1000 * kMs);  // RFC 6298 2.1: 1 s before any sample
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck, 20000), nullptr, 100 * kMs);
  EXPECT_EQ(endpoint.next_timer_ns(), UINT64_MAX);  // nothing outstanding
  EXPECT_EQ(endpoint.rtt().srtt_ns(), 100 * kMs);
  EXPECT_EQ(endpoint.rtt().rto_ns(), 300 * kMs);  // SRTT + 4 * RTTVAR = 100 + 4 * 50
  endpoint.write("y");
  endpoint.flush(200 * kMs);
  EXPECT_EQ(endpoint.next_timer_ns(), 500 * kMs);
}

TEST(TcpEndpointData, RtoBacksOffAndKarnSkipsRetransmittedSegments) {
  TcpEndpointConfig config = small_config();
  config.rto_max_ms = 3000;
  config.max_retransmits = 3;
  TcpEndpoint endpoint(config);
  SegmentRecorder sink;
  open_without_sample(endpoint, sink);
  endpoint.write(block('r', 1500));
  endpoint.flush(0);
  sink.take();
  endpoint.on_timer(1000 * kMs);  // first expiry: cwnd 1 segment, the first one again
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, block('r')}}));
  EXPECT_EQ(endpoint.next_timer_ns(), 3000 * kMs);
  endpoint.on_timer(3000 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, block('r')}}));
  EXPECT_EQ(endpoint.next_timer_ns(), 6000 * kMs);  // 4 s capped to rto_max 3 s
  // The ACK of a retransmitted segment gives no sample (Karn) but ends the back-off run.
  endpoint.on_segment(seg(kRcv, kSnd + 1000, kAck, 20000), nullptr, 3500 * kMs);
  EXPECT_FALSE(endpoint.rtt().has_sample());
  endpoint.flush(3500 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1000, kRcv, kAck, 4000, block('r', 500)}}));
  EXPECT_EQ(endpoint.counters().retransmits, 3u);  // two RTO copies + the 500 bytes once sent
  EXPECT_EQ(endpoint.counters().rto_expiries, 2u);
}

// After an RTO the cursor goes back to SND.UNA, but ACKs keep the highest number sent: the
// peer already received those bytes, and an ACK numbered below its RCV.NXT would be
// unacceptable there and dropped unread (two endpoints doing that wedge in an ACK war).
TEST(TcpEndpointData, AckAfterRtoIsNumberedFromTheHighestSent) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  open_without_sample(endpoint, sink);
  endpoint.write(block('w', 3000));
  endpoint.flush(0);
  EXPECT_EQ(sink.take().size(), 3u);
  endpoint.on_timer(1000 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, block('w')}}));
  EXPECT_EQ(endpoint.snd_nxt(), kSnd + 1000);
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000, "hi"), nullptr, 1001 * kMs);
  endpoint.flush(1001 * kMs);  // cwnd is 1 MSS and full: only the ACK goes
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 3000, kRcv + 2, kAck, 3998, ""}}));
}

TEST(TcpEndpointData, TooManyRtoExpiriesAbortWithRst) {
  TcpEndpointConfig config = small_config();
  config.max_retransmits = 2;
  TcpEndpoint endpoint(config);
  SegmentRecorder sink;
  open_without_sample(endpoint, sink);
  endpoint.write("abc");
  endpoint.flush(0);
  endpoint.on_timer(1000 * kMs);
  endpoint.on_timer(3000 * kMs);
  sink.take();
  endpoint.on_timer(7000 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 3, 0, kRst, 0, ""}}));  // <SEQ=SND.NXT>
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::TimedOut);
}

TEST(TcpEndpointData, ThreeDupAcksFastRetransmit) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.write(block('0') + block('1') + block('2') + block('3') + block('4') + block('5'));
  endpoint.flush(0);
  EXPECT_EQ(sink.take().size(), 4u);  // initial window: 4 * 1000 (RFC 5681 3.1)
  EXPECT_EQ(endpoint.congestion().cwnd(), 4000u);
  endpoint.on_segment(seg(kRcv, kSnd + 1000, kAck, 20000), nullptr, 10 * kMs);  // slow start: +1 SMSS
  EXPECT_EQ(endpoint.congestion().cwnd(), 5000u);
  endpoint.flush(10 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 4000, kRcv, kAck, 4000, block('4')},
                                   {kSnd + 5000, kRcv, kAck, 4000, block('5')}}));
  endpoint.on_segment(seg(kRcv, kSnd + 1000, kAck, 20000), nullptr, 11 * kMs);
  endpoint.on_segment(seg(kRcv, kSnd + 1000, kAck, 20000), nullptr, 11 * kMs);
  EXPECT_TRUE(sink.sent.empty());
  endpoint.on_segment(seg(kRcv, kSnd + 1000, kAck, 20000), nullptr, 11 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1000, kRcv, kAck, 4000, block('1')}}));
  EXPECT_TRUE(endpoint.congestion().in_recovery());
  EXPECT_EQ(endpoint.congestion().ssthresh(), 2500u);  // FlightSize 5000 / 2
  EXPECT_EQ(endpoint.congestion().cwnd(), 5500u);      // ssthresh + 3 SMSS
  // Partial ACK (RFC 6582): the next hole goes at once.
  endpoint.on_segment(seg(kRcv, kSnd + 2000, kAck, 20000), nullptr, 20 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 2000, kRcv, kAck, 4000, block('2')}}));
  // Full ACK: recovery ends, cwnd = ssthresh.
  endpoint.on_segment(seg(kRcv, kSnd + 6000, kAck, 20000), nullptr, 30 * kMs);
  EXPECT_FALSE(endpoint.congestion().in_recovery());
  EXPECT_EQ(endpoint.congestion().cwnd(), 2500u);
  EXPECT_EQ(endpoint.counters().fast_retransmits, 1u);
  EXPECT_EQ(endpoint.counters().retransmits, 2u);
  EXPECT_EQ(endpoint.next_timer_ns(), UINT64_MAX);
}

TEST(TcpEndpointData, ZeroWindowProbesBackOffUntilTheWindowOpens) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  open_without_sample(endpoint, sink, 0);
  endpoint.write("probe me");
  endpoint.flush(0);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.next_timer_ns(), 1000 * kMs);
  endpoint.on_timer(1000 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, "p"}}));
  EXPECT_EQ(endpoint.next_timer_ns(), 3000 * kMs);
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 0), nullptr, 1001 * kMs);  // still closed
  endpoint.on_timer(3000 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd, kRcv, kAck, 4000, "p"}}));
  EXPECT_EQ(endpoint.next_timer_ns(), 7000 * kMs);
  // The peer took the probe byte and opens its window: the rest goes out.
  endpoint.on_segment(seg(kRcv, kSnd + 1, kAck, 100), nullptr, 3001 * kMs);
  endpoint.flush(3001 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{kSnd + 1, kRcv, kAck, 4000, "robe me"}}));
  EXPECT_EQ(endpoint.counters().zero_window_probes, 2u);
  EXPECT_EQ(endpoint.counters().rto_expiries, 0u);
}

}  // namespace
}  // namespace sluice::reassembly::endpoint_testing
