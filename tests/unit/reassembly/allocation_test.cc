// "No allocation per segment": after construction, a busy flow allocates nothing.
// This file replaces the global operator new for the whole test binary to count calls;
// the count is only read around the code under test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "reassembly/ooo_store.h"
#include "reassembly/passive_tcp_flow.h"
#include "tests/unit/reassembly/allocation_counter.h"


namespace sluice::reassembly {
namespace {

// Consumes bytes without storing them, so the sink itself never allocates.
class CountingSink : public StreamSink {
 public:
  void on_stream_data(Direction, std::string_view bytes) override { bytes_ += bytes.size(); }
  void on_stream_gap(Direction, uint32_t missing) override { gaps_ += missing; }
  void on_stream_close(CloseReason) override { ++closes_; }
  uint64_t bytes_ = 0, gaps_ = 0, closes_ = 0;
};

TcpSegment data_segment(uint32_t seq, std::string_view payload, uint8_t flags = 0) {
  TcpSegment built;
  built.seq = seq;
  built.flags = flags;
  built.payload = payload;
  return built;
}

TEST(Allocation, SegmentsReorderingGapsAndReuseAllocateNothing) {
  ReassemblyLimits limits;
  limits.max_ooo_bytes = 4096;
  limits.max_ooo_segments = 16;
  CountingSink sink;
  PassiveTcpFlow flow(limits, sink);
  const std::string block(100, 'm');

  const uint64_t before = g_allocations.load();
  for (int round = 0; round < 3; ++round) {
    flow.reset();
    const uint32_t base = 0xFFFFF000u;  // crosses the sequence wrap
    flow.on_segment(Direction::ClientToServer, data_segment(base - 1, "", tcp_flag::SYN));
    for (uint32_t i = 0; i < 200; i += 2) {  // odd blocks first: every one out of order
      flow.on_segment(Direction::ClientToServer, data_segment(base + (i + 1) * 100, block));
      flow.on_segment(Direction::ClientToServer, data_segment(base + i * 100, block));
      flow.on_segment(Direction::ClientToServer, data_segment(base + i * 100, "changed"));
    }
    flow.on_segment(Direction::ClientToServer, data_segment(base + 20500, block));
    flow.close(CloseReason::EndOfInput);
  }
  const uint64_t after = g_allocations.load();

  EXPECT_EQ(after - before, 0u);
  EXPECT_EQ(sink.bytes_, 3u * 201 * 100);  // 200 blocks, then one more after the gap
  EXPECT_EQ(sink.gaps_, 3u * 500);
  EXPECT_EQ(sink.closes_, 3u);
}

// Intervals leave the front while new ones arrive at the back, so the bump pointer
// reaches the end of the pool again and again: compaction must reuse it, not grow it.
TEST(Allocation, OooStoreCompactionAllocatesNothing) {
  OooStore store(1000, 16);
  std::string block(100, 'a');
  const uint64_t before = g_allocations.load();
  uint32_t popped = 0;
  for (uint32_t k = 0; k < 100; ++k) {
    block.assign(100, static_cast<char>('a' + k % 26));
    ASSERT_FALSE(store.insert(k * 200, block).dropped);
    if (store.interval_count() == 5) {
      const std::string_view front = store.front_bytes();
      ASSERT_EQ(front.size(), 100u);
      ASSERT_EQ(front.find_first_not_of(static_cast<char>('a' + popped % 26)), front.npos);
      store.pop_front();
      ++popped;
    }
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

}  // namespace
}  // namespace sluice::reassembly
