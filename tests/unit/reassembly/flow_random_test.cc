// PassiveTcpFlow under randomised input: reordered, duplicated and overlapping honest
// copies must rebuild the stream exactly; arbitrary garbage must never crash or hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "reassembly/passive_tcp_flow.h"
#include "tests/unit/reassembly/flow_test_support.h"

namespace sluice::reassembly::testing {
namespace {

struct Slice {
  uint32_t offset;
  uint32_t length;
};

TEST(FlowRandom, ShuffledDuplicatedOverlappingCopiesRebuildTheStream) {
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    std::mt19937 random(seed);
    std::string message(5000, '\0');
    for (char& byte : message) byte = static_cast<char>('a' + random() % 26);
    std::vector<Slice> slices;
    for (uint32_t offset = 0; offset < message.size();) {
      const uint32_t length = std::min<uint32_t>(1 + random() % 300, message.size() - offset);
      slices.push_back({offset, length});
      offset += length;
    }
    for (int extra = 0; extra < 50; ++extra) {
      const uint32_t offset = random() % message.size();
      const uint32_t length = std::min<uint32_t>(1 + random() % 300, message.size() - offset);
      slices.push_back({offset, length});
    }
    std::shuffle(slices.begin(), slices.end(), random);

    RecordingSink sink;
    PassiveTcpFlow flow(ReassemblyLimits{}, sink);
    const uint32_t isn = 0xFFFFFF00u + seed;  // most runs cross the wrap
    handshake(flow, isn, 1);
    for (const Slice& slice : slices) {
      const std::string_view bytes = std::string_view(message).substr(slice.offset, slice.length);
      flow.on_segment(kC2S, segment(isn + 1 + slice.offset, bytes, tcp_flag::ACK, 2));
    }
    ASSERT_EQ(sink.client(), message) << "seed " << seed;
    const StreamCounters& counters = flow.counters(kC2S);
    EXPECT_EQ(counters.overlap_conflicts + counters.dropped_over_limit + counters.bogus, 0u);
  }
}

TEST(FlowRandom, GarbageSegmentsAreSurvivedAndTheFlowClosesOnce) {
  ReassemblyLimits limits;
  limits.max_ooo_bytes = 2048;
  limits.max_ooo_segments = 8;
  limits.max_history_bytes = 512;
  RecordingSink sink;
  PassiveTcpFlow flow(limits, sink);
  std::mt19937 random(7);
  std::string noise(3000, '\0');
  for (char& byte : noise) byte = static_cast<char>('a' + random() % 3);  // overlaps often differ
  uint64_t closes_expected = 0;
  uint64_t delivered = 0;
  for (int round = 0; round < 20; ++round) {
    flow.reset();
    const uint32_t base = random();
    for (int i = 0; i < 2000; ++i) {
      const bool near = random() % 4 != 0;
      TcpSegment garbage;
      garbage.seq = near ? base + random() % 20000 : static_cast<uint32_t>(random());
      garbage.ack = near ? base + random() % 20000 : static_cast<uint32_t>(random());
      garbage.flags = static_cast<uint8_t>(random() % 64);
      // An accepted RST or a pair of FINs ends the round; keep most of them out.
      const auto ending = static_cast<uint8_t>(tcp_flag::RST | tcp_flag::FIN);
      if (random() % 50 != 0) garbage.flags &= static_cast<uint8_t>(~ending);
      garbage.payload = std::string_view(noise).substr(0, random() % noise.size());
      flow.on_segment(random() % 2 == 0 ? kC2S : kS2C, garbage);
    }
    delivered += flow.counters(kC2S).delivered_bytes + flow.counters(kS2C).delivered_bytes;
    flow.close(CloseReason::EndOfInput);
    ++closes_expected;
    EXPECT_EQ(sink.closes.size(), closes_expected);
  }
  EXPECT_GT(delivered, 0u);  // the garbage did reach the reassembly paths
}

}  // namespace
}  // namespace sluice::reassembly::testing
