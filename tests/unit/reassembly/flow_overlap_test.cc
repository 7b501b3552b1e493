// PassiveTcpFlow: first copy wins for retransmitted and overlapping bytes (THREATS
// TCP-1, TCP-2), whether the first copy was already delivered or still queued.
#include <gtest/gtest.h>

#include <string>

#include "reassembly/passive_tcp_flow.h"
#include "tests/unit/reassembly/flow_test_support.h"

namespace sluice::reassembly::testing {
namespace {

constexpr uint32_t kClientIsn = 4000;
constexpr uint32_t kStart = kClientIsn + 1;  // the client's first data byte

class FlowOverlap : public ::testing::Test {
 protected:
  void SetUp() override { handshake(flow, kClientIsn, 100); }
  void send(uint32_t offset, std::string_view payload) {
    flow.on_segment(kC2S, segment(kStart + offset, payload, tcp_flag::ACK, 101));
  }
  const StreamCounters& counters() const { return flow.counters(kC2S); }

  RecordingSink sink;
  PassiveTcpFlow flow{ReassemblyLimits{}, sink};
};

TEST_F(FlowOverlap, IdenticalRetransmissionIsCountedNotRedelivered) {
  send(0, "hello");
  send(0, "hello");
  EXPECT_EQ(sink.client(), "hello");
  EXPECT_EQ(counters().retransmits, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 0u);
}

TEST_F(FlowOverlap, ChangedRetransmissionOfDeliveredBytesKeepsTheFirstCopy) {
  send(0, "MAIL FROM:<good@ok.example>\r\n");
  send(0, "MAIL FROM:<evil@ba.example>\r\n");
  EXPECT_EQ(sink.client(), "MAIL FROM:<good@ok.example>\r\n");
  EXPECT_EQ(counters().retransmits, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

// TCP-1, first order: the honest segment arrives first and is delivered at once.
TEST_F(FlowOverlap, OverlapArrivingAfterDeliveryLosesToTheDeliveredBytes) {
  send(0, "MAIL FROM:<good@ok.example>\r\n");
  send(11, "evil@ba.example");
  EXPECT_EQ(sink.client(), "MAIL FROM:<good@ok.example>\r\n");
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

// TCP-1, other order: the overlapping segment is queued first, so its copy is the one
// kept, and the delivered stream is exactly what a receiver keeping first copies read.
TEST_F(FlowOverlap, QueuedOverlapWinsOverALaterCopy) {
  send(11, "evil@ba.example");
  send(0, "MAIL FROM:<good@ok.example>\r\n");
  EXPECT_EQ(sink.client(), "MAIL FROM:<evil@ba.example>\r\n");
  EXPECT_EQ(counters().out_of_order, 1u);
  EXPECT_EQ(counters().overlaps, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

TEST_F(FlowOverlap, ChangedRetransmissionOfQueuedBytesKeepsTheFirstCopy) {
  send(5, "FROM:");
  send(5, "TO:XX");
  send(0, "MAIL ");
  EXPECT_EQ(sink.client(), "MAIL FROM:");
  EXPECT_EQ(counters().retransmits, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

TEST_F(FlowOverlap, PartialOverlapAtTheFrontDeliversOnlyTheNewTail) {
  send(0, "abcdef");
  send(3, "dXfGHI");
  EXPECT_EQ(sink.client(), "abcdefGHI");
  EXPECT_EQ(counters().overlaps, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

TEST_F(FlowOverlap, PartialOverlapAtTheBackKeepsTheQueuedBytes) {
  send(6, "ghij");
  send(0, "abcdefgX");
  EXPECT_EQ(sink.client(), "abcdefghij");
  EXPECT_EQ(counters().overlaps, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

TEST_F(FlowOverlap, OverlapAtBothEndsFillsOnlyTheHole) {
  send(0, "abc");
  send(6, "ghi");
  send(2, "cdefgh");
  EXPECT_EQ(sink.client(), "abcdefghi");
  EXPECT_EQ(counters().overlaps, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 0u);
}

TEST_F(FlowOverlap, SegmentInsideAQueuedOneAddsNothing) {
  send(3, "defghijk");
  send(6, "ghi");
  send(6, "gXi");
  send(0, "abc");
  EXPECT_EQ(sink.client(), "abcdefghijk");
  EXPECT_EQ(counters().retransmits, 2u);
  EXPECT_EQ(counters().overlap_conflicts, 1u);
}

TEST_F(FlowOverlap, SegmentInsideDeliveredBytesAddsNothing) {
  send(0, "hello world");
  send(3, "lo w");
  EXPECT_EQ(sink.client(), "hello world");
  EXPECT_EQ(counters().retransmits, 1u);
  EXPECT_EQ(counters().overlap_conflicts, 0u);
}

TEST(FlowOverlapHistory, BytesOlderThanTheHistoryCannotBeCompared) {
  ReassemblyLimits limits;
  limits.max_history_bytes = 4;
  RecordingSink sink;
  PassiveTcpFlow flow(limits, sink);
  handshake(flow, 0, 0);
  flow.on_segment(kC2S, segment(1, "0123456789"));
  flow.on_segment(kC2S, segment(1, "XXXX"));      // older than the last 4 bytes
  flow.on_segment(kC2S, segment(7, "6789"));      // still in the history, identical
  EXPECT_EQ(sink.client(), "0123456789");
  EXPECT_EQ(flow.counters(kC2S).retransmits, 2u);
  EXPECT_EQ(flow.counters(kC2S).overlap_conflicts, 0u);
  flow.on_segment(kC2S, segment(7, "67X9"));
  EXPECT_EQ(flow.counters(kC2S).overlap_conflicts, 1u);
}

}  // namespace
}  // namespace sluice::reassembly::testing
