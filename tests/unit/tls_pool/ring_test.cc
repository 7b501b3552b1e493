// SpscByteRing and PoolIndexQueue: single-thread semantics (power-of-two capacity, in-place views that stop at
// the wrap, full and empty), then a producer and a consumer thread moving 64 MiB through a small ring with odd
// chunk sizes (so every offset wraps many times) and comparing checksums of what went in and came out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "tls/pool_index_queue.h"
#include "tls/spsc_byte_ring.h"

namespace sluice::tls {
namespace {

TEST(SpscByteRing, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(SpscByteRing(1).capacity(), 64u);
  EXPECT_EQ(SpscByteRing(100).capacity(), 128u);
  EXPECT_EQ(SpscByteRing(4096).capacity(), 4096u);
}

TEST(SpscByteRing, ViewsStopAtTheWrapAndResumeAtTheStart) {
  SpscByteRing ring(64);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.writable().size(), 64u);
  EXPECT_TRUE(ring.readable().empty());

  EXPECT_EQ(ring.write(std::string(50, 'a')), 50u);
  EXPECT_EQ(ring.size(), 50u);
  EXPECT_EQ(ring.free_space(), 14u);
  char sink[40];
  EXPECT_EQ(ring.read(sink, sizeof sink), 40u);
  // Head at 50, tail at 40: 54 free, but only 14 of them before the end of the buffer.
  EXPECT_EQ(ring.writable().size(), 14u);
  EXPECT_EQ(ring.write(std::string(30, 'b')), 30u);  // 14 at the end, 16 at the start
  EXPECT_EQ(ring.size(), 40u);
  std::span<const char> first = ring.readable();
  ASSERT_EQ(first.size(), 24u);  // 10 'a' then 14 'b', up to the end of the buffer
  EXPECT_EQ(std::string(first.data(), 10), std::string(10, 'a'));
  ring.consumed(first.size());
  std::span<const char> second = ring.readable();
  ASSERT_EQ(second.size(), 16u);
  EXPECT_EQ(std::string(second.data(), second.size()), std::string(16, 'b'));
  ring.consumed(16);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscByteRing, FullRefusesAndResetEmpties) {
  SpscByteRing ring(64);
  EXPECT_EQ(ring.write(std::string(100, 'x')), 64u);
  EXPECT_TRUE(ring.writable().empty());
  EXPECT_EQ(ring.write("y"), 0u);
  ring.reset();
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.writable().size(), 64u);
}

// FNV-1a over a byte stream, fed piecewise.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ uint8_t(p[i])) * 1099511628211ull;
  }
};

TEST(SpscByteRing, TwoThreadsMove64MiBByteExact) {
  constexpr size_t kTotal = size_t(64) << 20;
  SpscByteRing ring(4096);  // small: wraps ~16,000 times
  Fnv produced_sum, consumed_sum;
  size_t consumed_total = 0;

  std::thread consumer([&] {
    uint32_t step = 0;
    while (consumed_total < kTotal) {
      std::span<const char> data = ring.readable();
      if (data.empty()) {
        std::this_thread::yield();
        continue;
      }
      // Odd read sizes, so the consumer's cuts do not line up with the producer's.
      size_t take = std::min<size_t>(data.size(), 1 + (step++ * 2654435761u) % 1499);
      consumed_sum.add(data.data(), take);
      ring.consumed(take);
      consumed_total += take;
    }
  });

  uint64_t x = 0x9E3779B97F4A7C15ull;
  size_t produced_total = 0;
  uint32_t step = 0;
  while (produced_total < kTotal) {
    std::span<char> room = ring.writable();
    if (room.empty()) {
      std::this_thread::yield();
      continue;
    }
    size_t n = std::min({room.size(), kTotal - produced_total, size_t(1 + (step++ * 40503u) % 1021)});
    for (size_t i = 0; i < n; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      room[i] = char(x);
    }
    produced_sum.add(room.data(), n);
    ring.produced(n);
    produced_total += n;
  }
  consumer.join();
  EXPECT_EQ(consumed_total, kTotal);
  EXPECT_EQ(consumed_sum.h, produced_sum.h);
  EXPECT_TRUE(ring.empty());
}

TEST(PoolIndexQueue, FifoBoundedAcrossThreads) {
  PoolIndexQueue q(8);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_TRUE(q.push(i));
  EXPECT_FALSE(q.push(99));  // full
  uint32_t v;
  for (uint32_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(q.pop(&v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.pop(&v));

  constexpr uint32_t kCount = 1'000'000;
  std::thread producer([&] {
    for (uint32_t i = 0; i < kCount;) {
      if (q.push(i)) {
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
  });
  uint32_t expect = 0;
  while (expect < kCount) {
    if (q.pop(&v)) {
      ASSERT_EQ(v, expect);
      ++expect;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
}

}  // namespace
}  // namespace sluice::tls
