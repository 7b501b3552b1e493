// PassiveTcpFlow: capture loss (gaps at close, gaps declared by the peer's ACK), the
// out-of-order limit and implausible segments.
#include <gtest/gtest.h>

#include <string>

#include "reassembly/passive_tcp_flow.h"
#include "tests/unit/reassembly/flow_test_support.h"

namespace sluice::reassembly::testing {
namespace {

constexpr uint32_t kClientIsn = 70;
constexpr uint32_t kStart = kClientIsn + 1;
constexpr uint32_t kServerIsn = 3000;

class FlowLoss : public ::testing::Test {
 protected:
  void SetUp() override { handshake(flow, kClientIsn, kServerIsn); }
  void send(uint32_t offset, std::string_view payload, uint8_t flags = 0) {
    flow.on_segment(kC2S, segment(kStart + offset, payload, flags));
  }
  void server_acks(uint32_t client_offset) {
    flow.on_segment(kS2C, segment(kServerIsn + 1, "", tcp_flag::ACK, kStart + client_offset));
  }
  const StreamCounters& counters() const { return flow.counters(kC2S); }

  RecordingSink sink;
  PassiveTcpFlow flow{ReassemblyLimits{}, sink};
};

TEST_F(FlowLoss, HolesAreReportedAtCloseAndTheBytesAfterThemDelivered) {
  send(0, "abc");
  send(6, "ghi");
  send(12, "mno");
  EXPECT_EQ(sink.client(), "abc");
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.client(), "abc<gap:3>ghi<gap:3>mno");
  EXPECT_EQ(counters().gap_bytes, 6u);
  EXPECT_EQ(counters().delivered_bytes, 9u);
  EXPECT_EQ(sink.closes, std::vector<CloseReason>{CloseReason::EndOfInput});
}

TEST_F(FlowLoss, BytesMissingBeforeAFinAreAGapAtClose) {
  send(0, "abc");
  send(6, "", tcp_flag::FIN);
  flow.close(CloseReason::Idle);
  EXPECT_EQ(sink.client(), "abc<gap:3>");
}

TEST_F(FlowLoss, AckBeyondTheHoleDeclaresItLost) {
  send(0, "abc");
  send(6, "ghi");
  server_acks(9);
  EXPECT_EQ(sink.client(), "abc<gap:3>ghi");
  EXPECT_EQ(counters().gap_bytes, 3u);
  send(9, "jkl");
  EXPECT_EQ(sink.client(), "abc<gap:3>ghijkl");
}

TEST_F(FlowLoss, AckInsideTheHoleDeclaresOnlyTheAckedPart) {
  send(0, "abc");
  send(6, "ghi");
  server_acks(4);
  EXPECT_EQ(sink.client(), "abc<gap:1>");
  send(4, "ef");
  EXPECT_EQ(sink.client(), "abc<gap:1>efghi");
}

TEST_F(FlowLoss, AckWithNothingQueuedDeclaresNothing) {
  send(0, "abc");
  server_acks(9);
  send(3, "def");
  EXPECT_EQ(sink.client(), "abcdef");
  EXPECT_EQ(counters().gap_bytes, 0u);
}

TEST_F(FlowLoss, ImplausibleAckIsBogus) {
  send(0, "abc");
  send(6, "ghi");
  server_acks(5u << 20);
  EXPECT_EQ(sink.client(), "abc");
  EXPECT_EQ(flow.counters(kS2C).bogus, 1u);
}

TEST_F(FlowLoss, SegmentsFarFromTheWindowAreBogus) {
  send(5u << 20, "far ahead");
  send(0, "abc");
  flow.on_segment(kC2S, segment(kStart - (5u << 20), "far behind"));
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.client(), "abc");
  EXPECT_EQ(counters().bogus, 2u);
}

TEST(FlowLossLimits, OutOfOrderLimitDropsAndCountsWithoutGrowing) {
  ReassemblyLimits limits;
  limits.max_ooo_bytes = 8;
  limits.max_ooo_segments = 2;
  RecordingSink sink;
  PassiveTcpFlow flow(limits, sink);
  handshake(flow, 0, 0);
  flow.on_segment(kC2S, segment(11, "bbbbbb"));  // 6 of 8 bytes, behind a hole at 1..10
  flow.on_segment(kC2S, segment(21, "ccc"));     // would need 9 bytes: dropped
  flow.on_segment(kC2S, segment(31, "d"));       // second interval: fits
  flow.on_segment(kC2S, segment(41, "e"));       // third interval: dropped
  EXPECT_EQ(flow.counters(kC2S).dropped_over_limit, 2u);
  flow.on_segment(kC2S, segment(1, "aaaaaaaaaa"));
  EXPECT_EQ(sink.client(), "aaaaaaaaaabbbbbb");
  // The sender retransmits what was dropped; the store has room again.
  flow.on_segment(kC2S, segment(17, "xxxx"));
  flow.on_segment(kC2S, segment(21, "ccc"));
  EXPECT_EQ(sink.client(), "aaaaaaaaaabbbbbbxxxxccc");
  flow.close(CloseReason::EndOfInput);
  EXPECT_EQ(sink.client(), "aaaaaaaaaabbbbbbxxxxccc<gap:7>d");
  EXPECT_EQ(flow.counters(kC2S).dropped_over_limit, 2u);
}

TEST(FlowLossLimits, PayloadLargerThanTheWindowIsBogus) {
  ReassemblyLimits limits;
  limits.max_window_ahead = 16;
  RecordingSink sink;
  PassiveTcpFlow flow(limits, sink);
  handshake(flow, 0, 0);
  flow.on_segment(kC2S, segment(1, std::string(17, 'x')));
  flow.on_segment(kC2S, segment(1, std::string(16, 'y')));
  EXPECT_EQ(sink.client(), std::string(16, 'y'));
  EXPECT_EQ(flow.counters(kC2S).bogus, 1u);
}

}  // namespace
}  // namespace sluice::reassembly::testing
