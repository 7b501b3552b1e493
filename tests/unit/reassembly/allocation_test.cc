// "No allocation per segment": buffers are allocated when first used and grow a bounded number of times; once a
// flow has warmed up (its out-of-order store grew to what its losses need), a busy flow and its reuse allocate
// nothing. This file replaces the global operator new for the whole test binary to count calls;
// the count is only read around the code under test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "reassembly/byte_ring.h"
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

TEST(Allocation, AfterWarmUpSegmentsReorderingGapsAndReuseAllocateNothing) {
  ReassemblyLimits limits;
  limits.max_ooo_bytes = 4096;
  limits.max_ooo_segments = 16;
  CountingSink sink;
  PassiveTcpFlow flow(limits, sink);
  const std::string block(100, 'm');

  uint64_t before = g_allocations.load();
  for (int round = 0; round < 3; ++round) {
    if (round == 1) before = g_allocations.load();  // round 0 warms the out-of-order store up
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
// The first pass warms the store up (pool, interval list, compaction scratch); the second is counted.
TEST(Allocation, OooStoreCompactionAllocatesNothingOnceWarm) {
  OooStore store(1000, 16);
  std::string block(100, 'a');
  uint64_t before = 0;
  uint32_t popped = 0;
  for (uint32_t k = 0; k < 200; ++k) {
    if (k == 100) before = g_allocations.load();
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

TEST(Allocation, ConstructionAllocatesNoBuffers) {
  const uint64_t before = g_allocations.load();
  {
    ByteRing ring(64 * 1024);
    OooStore store(256 * 1024, 128);
    EXPECT_EQ(ring.allocated() + store.allocated_bytes(), 0u);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

// Filling a 64 KB ring from empty allocates 2, 4, ... 64 KB: log2(capacity / initial) + 1 times, and a second
// fill after draining (no trim) allocates nothing.
TEST(Allocation, RingGrowthIsBoundedByTheDoublings) {
  ByteRing ring(64 * 1024, 2 * 1024);
  const std::string chunk(1000, 'r');
  const uint64_t before = g_allocations.load();
  while (ring.free_space() > 0) ring.push(chunk);
  EXPECT_EQ(g_allocations.load() - before, 6u);
  EXPECT_EQ(ring.allocated(), 64u * 1024);
  ring.pop(ring.size());
  const uint64_t warm = g_allocations.load();
  for (int i = 0; i < 200; ++i) {  // wraps around the grown storage again and again, never full
    ring.push(chunk);
    ring.pop(i % 2 == 0 ? 700 : 1000);
  }
  EXPECT_EQ(g_allocations.load() - warm, 0u);
}

// The store's pool doubles from 2 KB to 256 KB (8 allocations) and the interval list from 8 to 128 (5), plus the
// compaction scratch that follows the list's size: at most 18 allocations to reach the bounds.
TEST(Allocation, OooStoreGrowthIsBoundedByTheDoublings) {
  OooStore store(256 * 1024, 128, 2 * 1024);
  const std::string block(2000, 'o');
  const uint64_t before = g_allocations.load();
  for (uint32_t i = 0; i < 128; ++i) ASSERT_FALSE(store.insert(i * 4000, block).dropped) << i;
  EXPECT_TRUE(store.insert(999'999, block).dropped);  // 129th interval: the bound holds
  EXPECT_LE(g_allocations.load() - before, 18u);
  EXPECT_EQ(store.allocated_bytes(), 256u * 1024);
  EXPECT_EQ(store.allocated_intervals(), 128u);
}

}  // namespace
}  // namespace sluice::reassembly
