// TcpEndpoint opening (RFC 9293 §3.5, §3.10.7.3), option negotiation (RFC 7323, RFC 2018)
// and the RST / SYN rules of RFC 5961, each asserted as the exact segments emitted.
#include <gtest/gtest.h>

#include "tests/unit/reassembly/tcp_endpoint_test_support.h"

namespace sluice::reassembly::endpoint_testing {
namespace {

using Segments = std::vector<Out>;

TEST(TcpEndpointHandshake, ActiveOpenNegotiatesOptions) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.connect(1000, 0);
  EXPECT_EQ(endpoint.state(), TcpState::SynSent);
  ASSERT_EQ(sink.sent, (Segments{{1000, 0, kSyn, 4000, ""}}));
  EXPECT_EQ(sink.options[0].mss, 1000);
  EXPECT_EQ(sink.options[0].window_scale, 7);
  EXPECT_TRUE(sink.options[0].sack_permitted);
  sink.take();

  const TcpSynOptions peer{500, 2, true};
  endpoint.on_segment(seg(5000, 1001, kSyn | kAck, 8000), &peer, 40 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::Established);
  EXPECT_EQ(endpoint.effective_mss(), 500u);
  EXPECT_EQ(endpoint.snd_scale(), 2);
  EXPECT_EQ(endpoint.rcv_scale(), 7);
  EXPECT_TRUE(endpoint.sack_ok());
  EXPECT_EQ(endpoint.snd_wnd(), 8000u);  // the SYN-ACK's window is not scaled
  EXPECT_EQ(endpoint.rtt().srtt_ns(), 40 * kMs);
  EXPECT_TRUE(sink.sent.empty());  // the ACK waits for flush()
  endpoint.flush(40 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{1001, 5001, kAck, 4000 >> 7, ""}}));

  // Data goes in min(our MSS, peer's MSS) pieces, within the initial window of 4 * 500.
  const std::string data(2300, 'd');
  EXPECT_EQ(endpoint.write(data), 2300u);
  endpoint.flush(41 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{1001, 5001, kAck, 31, std::string(500, 'd')},
                                   {1501, 5001, kAck, 31, std::string(500, 'd')},
                                   {2001, 5001, kAck, 31, std::string(500, 'd')},
                                   {2501, 5001, kAck, 31, std::string(500, 'd')}}));
  // A scaled window from the peer: 10 << 2 = 40 bytes allowed beyond the ACK.
  endpoint.on_segment(seg(5001, 3001, kAck, 10), nullptr, 80 * kMs);
  EXPECT_EQ(endpoint.snd_wnd(), 40u);
  endpoint.flush(80 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{3001, 5001, kAck, 31, std::string(40, 'd')}}));
}

TEST(TcpEndpointHandshake, NoScalingUnlessBothOffer) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.connect(1000, 0);
  const TcpSynOptions peer{1460, -1, false};
  endpoint.on_segment(seg(5000, 1001, kSyn | kAck, 8000), &peer, 0);
  EXPECT_EQ(endpoint.snd_scale(), 0);
  EXPECT_EQ(endpoint.rcv_scale(), 0);
  EXPECT_FALSE(endpoint.sack_ok());
  EXPECT_EQ(endpoint.effective_mss(), 1000u);
  sink.take();
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{1001, 5001, kAck, 4000, ""}}));
}

TEST(TcpEndpointHandshake, PassiveOpenEchoesOnlyWhatThePeerOffered) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  const TcpSynOptions peer{1460, -1, true};
  endpoint.receive_syn(seg(7000, 0, kSyn, 20000), peer, 3000, 0);
  EXPECT_EQ(endpoint.state(), TcpState::Closed);
  EXPECT_TRUE(sink.sent.empty());  // nothing until accept()
  endpoint.accept(1 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::SynReceived);
  ASSERT_EQ(sink.sent, (Segments{{3000, 7001, kSyn | kAck, 4000, ""}}));
  EXPECT_EQ(sink.options[0].mss, 1000);
  EXPECT_EQ(sink.options[0].window_scale, -1);
  EXPECT_TRUE(sink.options[0].sack_permitted);
  sink.take();

  // The peer's SYN again (our SYN-ACK was lost): the SYN-ACK again.
  endpoint.on_segment(seg(7000, 0, kSyn, 20000), &peer, 2 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{3000, 7001, kSyn | kAck, 4000, ""}}));
  endpoint.on_segment(seg(7001, 3001, kAck, 20000), nullptr, 3 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::Established);
  EXPECT_EQ(endpoint.snd_wnd(), 20000u);
  EXPECT_TRUE(sink.sent.empty());
}

TEST(TcpEndpointHandshake, SynReceivedBadAckGetsRst) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.receive_syn(seg(7000, 0, kSyn, 20000), TcpSynOptions{}, 3000, 0);
  endpoint.accept(0);
  sink.take();
  endpoint.on_segment(seg(7001, 9999, kAck, 20000), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{9999, 0, kRst, 0, ""}}));  // <SEQ=SEG.ACK><CTL=RST>
  EXPECT_EQ(endpoint.state(), TcpState::SynReceived);
}

TEST(TcpEndpointHandshake, SynSentRstWithAcceptableAckIsRefused) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.connect(1000, 0);
  sink.take();
  endpoint.on_segment(seg(0, 1001, kRst, 0), nullptr, 0);  // no ACK flag: nothing proves it is about our SYN
  EXPECT_EQ(endpoint.state(), TcpState::SynSent);
  endpoint.on_segment(seg(0, 1001, kRst | kAck, 0), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::Closed);
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::Refused);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.next_timer_ns(), UINT64_MAX);
}

TEST(TcpEndpointHandshake, SynSentBadAckIsAnsweredWithRst) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.connect(1000, 0);
  sink.take();
  endpoint.on_segment(seg(5000, 1000, kSyn | kAck, 8000), nullptr, 0);  // ACK = ISS: acknowledges nothing
  EXPECT_EQ(sink.take(), (Segments{{1000, 0, kRst, 0, ""}}));
  endpoint.on_segment(seg(5000, 1002, kRst | kAck, 0), nullptr, 0);  // RST with a bad ACK: dropped
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.state(), TcpState::SynSent);
  EXPECT_EQ(endpoint.counters().bad_segments, 2u);
}

TEST(TcpEndpointHandshake, SimultaneousOpen) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.connect(1000, 0);
  sink.take();
  const TcpSynOptions peer{1000, 3, false};
  endpoint.on_segment(seg(5000, 0, kSyn, 8000), &peer, 0);
  EXPECT_EQ(endpoint.state(), TcpState::SynReceived);
  EXPECT_EQ(sink.take(), (Segments{{1000, 5001, kSyn | kAck, 4000, ""}}));
  // Its SYN-ACK repeats the SYN already received: old sequence space, answered with an ACK.
  endpoint.on_segment(seg(5000, 1001, kSyn | kAck, 8000), &peer, 0);
  EXPECT_EQ(sink.take(), (Segments{{1001, 5001, kAck, 4000 >> 7, ""}}));
  endpoint.on_segment(seg(5001, 1001, kAck, 100), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::Established);
  EXPECT_EQ(endpoint.snd_wnd(), 800u);  // 100 << 3
}

TEST(TcpEndpointHandshake, SynRetriesThenTimedOut) {
  TcpEndpointConfig config = small_config();
  config.syn_retries = 2;
  TcpEndpoint endpoint(config);
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.connect(1000, 0);
  EXPECT_EQ(endpoint.next_timer_ns(), 1000 * kMs);
  endpoint.on_timer(999 * kMs);
  EXPECT_EQ(sink.sent.size(), 1u);
  endpoint.on_timer(1000 * kMs);
  EXPECT_EQ(endpoint.next_timer_ns(), 3000 * kMs);  // back-off doubles
  endpoint.on_timer(3000 * kMs);
  EXPECT_EQ(endpoint.next_timer_ns(), 7000 * kMs);
  EXPECT_EQ(sink.take(), (Segments{{1000, 0, kSyn, 4000, ""}, {1000, 0, kSyn, 4000, ""}, {1000, 0, kSyn, 4000, ""}}));
  endpoint.on_timer(7000 * kMs);
  EXPECT_EQ(endpoint.state(), TcpState::Closed);
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::TimedOut);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.counters().retransmits, 2u);
  // Karn: the SYN-ACK answering a retransmitted SYN gives no RTT sample.
  EXPECT_FALSE(endpoint.rtt().has_sample());
}

TEST(TcpEndpointHandshake, SynCookiePathOpensEstablished) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  const TcpSynOptions peer{1460, 5, true};
  const TcpSynOptions ours = TcpEndpoint::syn_ack_options(small_config(), peer);
  EXPECT_EQ(ours.mss, 1000);
  EXPECT_EQ(ours.window_scale, 7);
  EXPECT_TRUE(ours.sack_permitted);
  endpoint.open_established(3000, 7000, peer, 100, 0);
  EXPECT_EQ(endpoint.state(), TcpState::Established);
  EXPECT_EQ(endpoint.snd_wnd(), 3200u);  // 100 << 5
  endpoint.write("hello");
  endpoint.flush(0);
  EXPECT_EQ(sink.take(), (Segments{{3001, 7001, kAck, 4000 >> 7, "hello"}}));
}

TEST(TcpEndpointHandshake, ClosedAnswersWithRst) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  endpoint.set_sink(&sink);
  endpoint.on_segment(seg(100, 555, kAck, 10, "xy"), nullptr, 0);
  endpoint.on_segment(seg(100, 0, 0, 10, "xy"), nullptr, 0);
  endpoint.on_segment(seg(100, 0, kRst, 10), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{555, 0, kRst, 0, ""}, {0, 102, kRst | kAck, 0, ""}}));
}

// RFC 5961: blind RST and SYN injection.
TEST(TcpEndpointRst, ExactRstResets) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kPeerIsn + 1, 0, kRst, 0), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::Closed);
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::ResetByPeer);
  EXPECT_TRUE(sink.sent.empty());
}

TEST(TcpEndpointRst, InWindowRstGetsChallengeAck) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kPeerIsn + 100, 0, kRst, 0), nullptr, 0);
  EXPECT_EQ(endpoint.state(), TcpState::Established);
  EXPECT_EQ(sink.take(), (Segments{{kIss + 1, kPeerIsn + 1, kAck, 4000, ""}}));
  endpoint.on_segment(seg(kPeerIsn + 5000, 0, kRst, 0), nullptr, 0);  // outside the window: silently dropped
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(endpoint.state(), TcpState::Established);
}

TEST(TcpEndpointRst, SynInWindowGetsChallengeAck) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kPeerIsn + 10, 0, kSyn, 0), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kIss + 1, kPeerIsn + 1, kAck, 4000, ""}}));
  EXPECT_EQ(endpoint.state(), TcpState::Established);
}

TEST(TcpEndpointRst, AckOfUnsentDataIsAnsweredAndDropped) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kPeerIsn + 1, kIss + 50, kAck, 20000, "data"), nullptr, 0);
  EXPECT_EQ(sink.take(), (Segments{{kIss + 1, kPeerIsn + 1, kAck, 4000, ""}}));
  EXPECT_EQ(endpoint.readable(), 0u);  // its data is dropped too
}

TEST(TcpEndpointRst, AbortSendsRst) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.write("abc");
  endpoint.flush(0);
  sink.take();
  endpoint.abort(0);
  EXPECT_EQ(sink.take(), (Segments{{kIss + 4, 0, kRst, 0, ""}}));
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::Aborted);
  EXPECT_TRUE(endpoint.is_closed());
  EXPECT_EQ(endpoint.next_timer_ns(), UINT64_MAX);
}

TEST(TcpEndpointRst, ResetReusesTheEndpoint) {
  TcpEndpoint endpoint(small_config());
  SegmentRecorder sink;
  establish_passive(endpoint, sink);
  endpoint.on_segment(seg(kPeerIsn + 1, kIss + 1, kAck, 20000, "abc"), nullptr, 0);
  endpoint.reset();
  EXPECT_EQ(endpoint.state(), TcpState::Closed);
  EXPECT_EQ(endpoint.close_reason(), EndpointCloseReason::None);
  EXPECT_EQ(endpoint.readable(), 0u);
  EXPECT_EQ(endpoint.counters().segments_in, 0u);
  establish_passive(endpoint, sink);
  EXPECT_EQ(endpoint.state(), TcpState::Established);
}

TEST(TcpEndpointNames, StatesAndReasonsAsTheRfcSpellsThem) {
  EXPECT_STREQ(tcp_state_name(TcpState::SynReceived), "SYN-RECEIVED");
  EXPECT_STREQ(tcp_state_name(TcpState::TimeWait), "TIME-WAIT");
  EXPECT_STREQ(tcp_state_name(static_cast<TcpState>(99)), "unknown");
  EXPECT_STREQ(endpoint_close_reason_name(EndpointCloseReason::ResetByPeer), "reset_by_peer");
  EXPECT_STREQ(endpoint_close_reason_name(TcpEndpoint::CloseReason::TimedOut), "timed_out");
}

}  // namespace
}  // namespace sluice::reassembly::endpoint_testing
