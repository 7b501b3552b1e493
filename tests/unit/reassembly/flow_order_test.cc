// PassiveTcpFlow: in-order and reordered delivery, tiny segments, sequence wrap, URG.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

#include "reassembly/passive_tcp_flow.h"
#include "tests/unit/reassembly/flow_test_support.h"

namespace sluice::reassembly::testing {
namespace {

TEST(FlowOrder, DeliversInOrderSegmentsOfBothDirectionsAsTheyArrive) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 1000, 5000);
  EXPECT_EQ(flow.state(), FlowState::Established);
  flow.on_segment(kS2C, segment(5001, "220 mx ESMTP\r\n", tcp_flag::ACK, 1001));
  EXPECT_EQ(sink.server(), "220 mx ESMTP\r\n");
  flow.on_segment(kC2S, segment(1001, "EHLO ", tcp_flag::ACK, 5015));
  EXPECT_EQ(sink.client(), "EHLO ");
  flow.on_segment(kC2S, segment(1006, "client.example\r\n", tcp_flag::ACK | tcp_flag::PSH, 5015));
  EXPECT_EQ(sink.client(), "EHLO client.example\r\n");
  EXPECT_FALSE(flow.midstream());
  EXPECT_EQ(flow.counters(kC2S).delivered_bytes, 21u);
  EXPECT_EQ(flow.counters(kC2S).segments, 4u);  // SYN, ACK and two data segments
  EXPECT_EQ(flow.counters(kC2S).out_of_order, 0u);
  EXPECT_EQ(flow.counters(kS2C).delivered_bytes, 14u);
}

TEST(FlowOrder, EveryArrivalOrderOfFourSegmentsYieldsTheSameStream) {
  const std::array<std::string, 4> pieces = {"MAIL ", "FROM:", "<a@b.example>", "\r\n"};
  std::array<uint32_t, 4> offsets{};
  for (size_t i = 1; i < pieces.size(); ++i) {
    offsets[i] = offsets[i - 1] + static_cast<uint32_t>(pieces[i - 1].size());
  }
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  std::array<size_t, 4> order = {0, 1, 2, 3};
  int permutations = 0;
  do {
    flow.reset();
    sink = RecordingSink{};
    handshake(flow, 700, 9000);
    for (size_t index : order) {
      flow.on_segment(kC2S, segment(701 + offsets[index], pieces[index], tcp_flag::ACK, 9001));
    }
    EXPECT_EQ(sink.client(), "MAIL FROM:<a@b.example>\r\n") << "permutation " << permutations;
    const StreamCounters& counters = flow.counters(kC2S);
    EXPECT_EQ(counters.gap_bytes + counters.overlap_conflicts + counters.dropped_over_limit, 0u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 24);
}

TEST(FlowOrder, OneByteSegmentsEqualTheCoalescedStream) {
  const std::string message =
      "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: t\r\n\r\n..dot\r\n.\r\n";
  RecordingSink coalesced_sink;
  PassiveTcpFlow coalesced(ReassemblyLimits{}, coalesced_sink);
  handshake(coalesced, 1, 1);
  coalesced.on_segment(kC2S, segment(2, message));

  RecordingSink in_order_sink;
  PassiveTcpFlow in_order(ReassemblyLimits{}, in_order_sink);
  handshake(in_order, 1, 1);
  for (uint32_t i = 0; i < message.size(); ++i) {
    in_order.on_segment(kC2S, segment(2 + i, std::string_view(message).substr(i, 1)));
  }

  // Every byte but the first arrives behind a hole; they queue as one interval.
  ReassemblyLimits two_intervals;
  two_intervals.max_ooo_segments = 2;
  RecordingSink first_last_sink;
  PassiveTcpFlow first_last(two_intervals, first_last_sink);
  handshake(first_last, 1, 1);
  for (uint32_t i = 1; i < message.size(); ++i) {
    first_last.on_segment(kC2S, segment(2 + i, std::string_view(message).substr(i, 1)));
  }
  EXPECT_EQ(first_last_sink.client(), "");
  first_last.on_segment(kC2S, segment(2, message.substr(0, 1)));

  EXPECT_EQ(coalesced_sink.client(), message);
  EXPECT_EQ(in_order_sink.client(), message);
  EXPECT_EQ(first_last_sink.client(), message);
  EXPECT_EQ(first_last.counters(kC2S).dropped_over_limit, 0u);
}

TEST(FlowOrder, SequenceNumbersWrapAroundTwoToThe32) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  const uint32_t client_isn = 0xFFFFFFF0u;  // data starts at 0xFFFFFFF1 and crosses 0
  const uint32_t server_isn = 0xFFFFFFFFu;  // data starts exactly at 0
  handshake(flow, client_isn, server_isn);
  const std::string data = "0123456789abcdefghijklmnopqrst";
  const uint32_t start = client_isn + 1;
  flow.on_segment(kC2S, segment(start + 20, data.substr(20, 10)));
  flow.on_segment(kC2S, segment(start, data.substr(0, 10)));
  EXPECT_EQ(sink.client(), data.substr(0, 10));
  flow.on_segment(kC2S, segment(start + 10, data.substr(10, 10)));
  EXPECT_EQ(sink.client(), data);
  flow.on_segment(kS2C, segment(0, "250 ok\r\n", tcp_flag::ACK, start + 30));
  EXPECT_EQ(sink.server(), "250 ok\r\n");
  flow.on_segment(kC2S, segment(start + 30, "", tcp_flag::FIN | tcp_flag::ACK, 8));
  flow.on_segment(kS2C, segment(8, "", tcp_flag::FIN | tcp_flag::ACK, start + 31));
  EXPECT_EQ(sink.closes, std::vector<CloseReason>{CloseReason::Fin});
}

// THREATS TCP-4: SO_OOBINLINE semantics, the urgent byte stays in the stream.
TEST(FlowOrder, UrgentDataStaysInline) {
  RecordingSink sink;
  PassiveTcpFlow flow(ReassemblyLimits{}, sink);
  handshake(flow, 10, 20);
  flow.on_segment(kC2S, segment(11, "RCPT TO:<a@exXample>\r\n", tcp_flag::URG | tcp_flag::ACK, 21));
  EXPECT_EQ(sink.client(), "RCPT TO:<a@exXample>\r\n");
}

}  // namespace
}  // namespace sluice::reassembly::testing
