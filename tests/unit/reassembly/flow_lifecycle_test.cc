// PassiveTcpFlow: handshakes seen, half seen or missed; FIN, RST, close and reuse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reassembly/passive_tcp_flow.h"
#include "tests/unit/reassembly/flow_test_support.h"

namespace sluice::reassembly::testing {
namespace {

using Closes = std::vector<CloseReason>;

TEST(FlowLifecycle, DataInTheSynIsKept) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  flow.on_segment(kC2S, segment(50, "EHLO", tcp_flag::SYN));
  EXPECT_EQ(flow.state(), FlowState::SynSeen);
  flow.on_segment(kS2C, segment(900, "", tcp_flag::SYN | tcp_flag::ACK, 55));
  flow.on_segment(kC2S, segment(50, "EHLO", tcp_flag::SYN));  // retransmitted SYN
  flow.on_segment(kC2S, segment(55, " x\r\n", tcp_flag::ACK, 901));
  EXPECT_EQ(sink.client(), "EHLO x\r\n");
  EXPECT_EQ(flow.counters(kC2S).retransmits, 1u);
  EXPECT_EQ(flow.state(), FlowState::Established);
  EXPECT_FALSE(flow.midstream());
}

TEST(FlowLifecycle, SynWithAnotherIsnIsBogus) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(12345, "x", tcp_flag::SYN));
  EXPECT_EQ(sink.client(), "");
  EXPECT_EQ(flow.counters(kC2S).bogus, 1u);
}

TEST(FlowLifecycle, MidstreamPickUpStartsAtTheFirstSegmentSeen) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  flow.on_segment(kC2S, segment(7777, "QUIT\r\n"));
  EXPECT_TRUE(flow.midstream());
  EXPECT_EQ(flow.state(), FlowState::Established);
  flow.on_segment(kS2C, segment(9999, "221 bye\r\n", tcp_flag::ACK, 7783));
  EXPECT_EQ(sink.client(), "QUIT\r\n");
  EXPECT_EQ(sink.server(), "221 bye\r\n");
}

// The SYN-ACK was not captured, but the client's ACK says where the server's stream
// starts, so the server's reordered first segments still come out whole.
TEST(FlowLifecycle, MissingHandshakeOnOneSideUsesThePeersAck) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  flow.on_segment(kC2S, segment(100, "", tcp_flag::SYN));
  flow.on_segment(kC2S, segment(101, "", tcp_flag::ACK, 5001));
  flow.on_segment(kS2C, segment(5005, "mx ESMTP\r\n", tcp_flag::ACK, 101));
  EXPECT_EQ(sink.server(), "");
  flow.on_segment(kS2C, segment(5001, "220 ", tcp_flag::ACK, 101));
  EXPECT_EQ(sink.server(), "220 mx ESMTP\r\n");
  EXPECT_TRUE(flow.midstream());
  EXPECT_EQ(flow.counters(kS2C).out_of_order, 1u);
  flow.on_segment(kC2S, segment(101, "EHLO a\r\n", tcp_flag::ACK, 5015));
  EXPECT_EQ(sink.client(), "EHLO a\r\n");
}

TEST(FlowLifecycle, FinInBothDirectionsClosesOnce) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(11, "QUIT\r\n", tcp_flag::FIN | tcp_flag::ACK, 21));
  EXPECT_EQ(flow.state(), FlowState::Closing);
  flow.on_segment(kS2C, segment(21, "221 bye\r\n", tcp_flag::ACK, 18));
  // The server's FIN arrives before the byte it follows; the end waits for that byte.
  flow.on_segment(kS2C, segment(31, "", tcp_flag::FIN | tcp_flag::ACK, 18));
  EXPECT_EQ(flow.state(), FlowState::Closing);
  flow.on_segment(kS2C, segment(30, "!", tcp_flag::ACK, 18));
  EXPECT_EQ(flow.state(), FlowState::Closed);
  EXPECT_EQ(sink.client(), "QUIT\r\n");
  EXPECT_EQ(sink.server(), "221 bye\r\n!");
  EXPECT_EQ(sink.closes, Closes{CloseReason::Fin});
  flow.on_segment(kC2S, segment(18, "", tcp_flag::ACK, 32));  // the last ACK
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.closes, Closes{CloseReason::Fin});
  EXPECT_EQ(flow.counters(kC2S).bogus, 0u);
}

TEST(FlowLifecycle, DataAfterFinIsIgnoredAndCounted) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(11, "half a bo", tcp_flag::FIN | tcp_flag::ACK, 21));
  flow.on_segment(kC2S, segment(21, "dy\r\n.\r\n", tcp_flag::ACK, 21));  // after the FIN
  flow.on_segment(kC2S, segment(15, " a body", tcp_flag::ACK, 21));  // straddles the FIN
  EXPECT_EQ(sink.client(), "half a bo");
  EXPECT_EQ(flow.counters(kC2S).bogus, 2u);
}

TEST(FlowLifecycle, FinThatWouldCutQueuedBytesIsBogus) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(15, "later"));
  flow.on_segment(kC2S, segment(11, "ab", tcp_flag::FIN));  // FIN at 13, inside queued data
  flow.on_segment(kC2S, segment(13, "cd"));
  EXPECT_EQ(sink.client(), "abcdlater");
  EXPECT_EQ(flow.counters(kC2S).bogus, 1u);
  EXPECT_EQ(flow.state(), FlowState::Established);
}

// THREATS TCP-8: the queued tail after a hole is never delivered once RST arrived.
TEST(FlowLifecycle, InWindowRstClosesAtOnceAndDiscardsQueuedBytes) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(11, "DATA\r\n"));
  flow.on_segment(kC2S, segment(27, "tail\r\n.\r\n"));
  flow.on_segment(kC2S, segment(17, "", tcp_flag::RST));
  EXPECT_EQ(flow.state(), FlowState::Closed);
  EXPECT_EQ(flow.close_reason(), CloseReason::Rst);
  EXPECT_EQ(sink.closes, Closes{CloseReason::Rst});
  EXPECT_EQ(flow.counters(kC2S).reset_discarded_bytes, 9u);
  flow.on_segment(kC2S, segment(17, "first half"));
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.client(), "DATA\r\n");
  EXPECT_EQ(sink.closes, Closes{CloseReason::Rst});
  EXPECT_EQ(flow.counters(kC2S).bogus, 1u);
}

TEST(FlowLifecycle, RstOutsideTheWindowIsIgnored) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kS2C, segment(21 + (8u << 20), "", tcp_flag::RST));
  flow.on_segment(kS2C, segment(20, "", tcp_flag::RST));  // before RCV.NXT
  EXPECT_EQ(flow.counters(kS2C).bogus, 2u);
  EXPECT_NE(flow.state(), FlowState::Closed);
  EXPECT_TRUE(sink.closes.empty());
}

TEST(FlowLifecycle, RstAnsweringASynMustAckIt) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  flow.on_segment(kC2S, segment(300, "", tcp_flag::SYN));
  flow.on_segment(kS2C, segment(0, "", tcp_flag::RST | tcp_flag::ACK, 999));
  EXPECT_EQ(flow.counters(kS2C).bogus, 1u);
  flow.on_segment(kS2C, segment(0, "", tcp_flag::RST | tcp_flag::ACK, 301));
  EXPECT_EQ(sink.closes, Closes{CloseReason::Rst});
}

TEST(FlowLifecycle, CloseFlushesAndIsReportedOnce) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(11, "NOOP\r\n"));
  flow.close(CloseReason::Idle);
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.closes, Closes{CloseReason::Idle});
  EXPECT_EQ(flow.close_reason(), CloseReason::Idle);
  flow.on_segment(kC2S, segment(17, "more"));
  EXPECT_EQ(sink.client(), "NOOP\r\n");
  EXPECT_EQ(flow.counters(kC2S).bogus, 1u);
}

TEST(FlowLifecycle, ResetReusesTheObjectForANewFlow) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(11, "one"));
  flow.close(CloseReason::EndOfInput);
  flow.reset();
  EXPECT_EQ(flow.state(), FlowState::New);
  EXPECT_EQ(flow.close_reason(), CloseReason::None);
  EXPECT_EQ(flow.counters(kC2S).delivered_bytes, 0u);
  flow.on_segment(kC2S, segment(500, "two"));
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.client(), "onetwo");
  EXPECT_EQ(sink.closes, (Closes{CloseReason::EndOfInput, CloseReason::EndOfInput}));
}

TEST(FlowLifecycle, CloseReasonsHaveLogNames) {
  EXPECT_STREQ(close_reason_name(CloseReason::None), "none");
  EXPECT_STREQ(close_reason_name(CloseReason::Fin), "fin");
  EXPECT_STREQ(close_reason_name(CloseReason::Rst), "rst");
  EXPECT_STREQ(close_reason_name(CloseReason::Idle), "idle");
  EXPECT_STREQ(close_reason_name(CloseReason::EndOfInput), "end_of_input");
  EXPECT_STREQ(close_reason_name(static_cast<CloseReason>(77)), "unknown");
}

}  // namespace
}  // namespace sluice::reassembly::testing
