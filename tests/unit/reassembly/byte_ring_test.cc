// ByteRing: fixed capacity, wrap-around, views in order.
#include <gtest/gtest.h>

#include <string>

#include "reassembly/byte_ring.h"

namespace sluice::reassembly {
namespace {

std::string joined(const RingSpan& span) { return std::string(span.first) + std::string(span.second); }

TEST(ByteRing, PushStopsAtCapacity) {
  ByteRing ring(8);
  EXPECT_EQ(ring.push("abcdef"), 6u);
  EXPECT_EQ(ring.push("ghijk"), 2u);
  EXPECT_EQ(ring.size(), 8u);
  EXPECT_EQ(ring.free_space(), 0u);
  EXPECT_EQ(ring.push("x"), 0u);
  EXPECT_EQ(ring.front(), "abcdefgh");
}

TEST(ByteRing, WrapsAndPeeksInTwoParts) {
  ByteRing ring(8);
  ring.push("abcdef");
  ring.pop(4);  // "ef" left at index 4..5
  EXPECT_EQ(ring.push("ghijkl"), 6u);  // "gh" at 6..7, "ijkl" wraps to 0..3
  EXPECT_EQ(ring.size(), 8u);
  const RingSpan all = ring.peek(0, 8);
  EXPECT_EQ(all.first, "efgh");
  EXPECT_EQ(all.second, "ijkl");
  EXPECT_EQ(ring.front(), "efgh");  // contiguous prefix only
  EXPECT_EQ(joined(ring.peek(3, 3)), "hij");
  EXPECT_EQ(joined(ring.peek(6, 10)), "kl");  // clipped to size
  EXPECT_EQ(ring.peek(8, 1).size(), 0u);
}

TEST(ByteRing, PopClipsAndEmptyRingRestartsAtZero) {
  ByteRing ring(4);
  ring.push("abc");
  ring.pop(10);
  EXPECT_EQ(ring.size(), 0u);
  ring.push("wxyz");
  EXPECT_EQ(ring.front(), "wxyz");  // not split: head went back to 0
}

TEST(ByteRing, ManyWrapsKeepOrder) {
  ByteRing ring(7);
  std::string in, out;
  for (int i = 0; i < 1000; ++i) {
    const std::string chunk(static_cast<size_t>(i % 5 + 1), static_cast<char>('a' + i % 26));
    const uint32_t n = ring.push(chunk);
    in.append(chunk, 0, n);
    const uint32_t take = static_cast<uint32_t>(i % 4);
    out += joined(ring.peek(0, take));
    ring.pop(take);
  }
  out += joined(ring.peek(0, ring.size()));
  EXPECT_EQ(out, in);
}

TEST(ByteRing, ZeroCapacityHoldsNothing) {
  ByteRing ring(0);
  EXPECT_EQ(ring.push("a"), 0u);
  EXPECT_EQ(ring.front(), "");
  ring.pop(1);
  EXPECT_EQ(ring.size(), 0u);
}

}  // namespace
}  // namespace sluice::reassembly
