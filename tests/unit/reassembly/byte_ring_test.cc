// ByteRing: bounded capacity, wrap-around, views in order; storage allocated on first use, doubled up to the
// capacity (bytes intact across a wrap), and freed by trim() once empty.
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

TEST(ByteRing, AllocatesNothingUntilTheFirstPush) {
  ByteRing ring(64 * 1024, 2048);
  EXPECT_EQ(ring.allocated(), 0u);
  EXPECT_EQ(ring.capacity(), 64u * 1024);
  EXPECT_EQ(ring.free_space(), 64u * 1024);  // the window is computed from the capacity, not the allocation
  EXPECT_EQ(ring.front(), "");
  EXPECT_EQ(ring.peek(0, 10).size(), 0u);
  ring.pop(5);
  EXPECT_EQ(ring.allocated(), 0u);
  EXPECT_EQ(ring.push("220 ready\r\n"), 11u);
  EXPECT_EQ(ring.allocated(), 2048u);
  EXPECT_EQ(ring.free_space(), 64u * 1024 - 11);
}

TEST(ByteRing, GrowsByDoublingAndStopsAtTheCapacity) {
  ByteRing ring(100, 16);
  ring.push(std::string(16, 'a'));
  EXPECT_EQ(ring.allocated(), 16u);
  ring.push("b");
  EXPECT_EQ(ring.allocated(), 32u);
  ring.push(std::string(40, 'c'));  // 57 held: 64
  EXPECT_EQ(ring.allocated(), 64u);
  EXPECT_EQ(ring.push(std::string(60, 'd')), 43u);  // the capacity is still the limit
  EXPECT_EQ(ring.allocated(), 100u);                // capped, not 128
  EXPECT_EQ(ring.free_space(), 0u);
  EXPECT_EQ(ring.front(), std::string(16, 'a') + "b" + std::string(40, 'c') + std::string(43, 'd'));
}

TEST(ByteRing, GrowingWhileWrappedKeepsTheBytesInOrder) {
  ByteRing ring(64, 8);
  ring.push("abcdef");
  ring.pop(4);                            // "ef" at 4..5
  EXPECT_EQ(ring.push("ghij"), 4u);       // "gh" at 6..7, "ij" wraps to 0..1
  EXPECT_EQ(ring.allocated(), 8u);
  ASSERT_EQ(ring.peek(0, 6).second, "ij");  // really wrapped before the growth
  EXPECT_EQ(ring.push("klmnop"), 6u);     // 12 bytes need 16
  EXPECT_EQ(ring.allocated(), 16u);
  EXPECT_EQ(ring.front(), "efghijklmnop");  // unwrapped by the copy
  ring.pop(10);                           // "op" left at 10..11
  EXPECT_EQ(ring.push("qrstuvwx"), 8u);   // wraps again inside the grown storage
  EXPECT_EQ(ring.allocated(), 16u);
  EXPECT_EQ(joined(ring.peek(0, 10)), "opqrstuvwx");
}

TEST(ByteRing, TrimFreesGrowthOnlyWhenEmpty) {
  ByteRing ring(1024, 16);
  ring.push(std::string(100, 'x'));
  EXPECT_EQ(ring.allocated(), 128u);
  ring.trim();                            // bytes held: nothing moves
  EXPECT_EQ(ring.allocated(), 128u);
  EXPECT_EQ(ring.size(), 100u);
  ring.pop(100);
  ring.trim();
  EXPECT_EQ(ring.allocated(), 0u);
  EXPECT_EQ(ring.free_space(), 1024u);
  ring.push("small");                     // starts again from the initial size
  EXPECT_EQ(ring.allocated(), 16u);
  ring.pop(5);
  ring.trim();                            // never grew: kept, so small reuse allocates nothing
  EXPECT_EQ(ring.allocated(), 16u);
  EXPECT_EQ(ring.push("again"), 5u);
  EXPECT_EQ(ring.front(), "again");
}

TEST(ByteRing, ManyWrapsWhileGrowingKeepOrder) {
  ByteRing ring(4096, 4);
  std::string in, out;
  for (int i = 0; i < 3000; ++i) {  // pushes outpace pops, so the ring grows while wrapped
    const std::string chunk(static_cast<size_t>(i % 7 + 1), static_cast<char>('a' + i % 26));
    in.append(chunk, 0, ring.push(chunk));
    const uint32_t take = static_cast<uint32_t>(i % 5);
    out += joined(ring.peek(0, take));
    ring.pop(take);
  }
  out += joined(ring.peek(0, ring.size()));
  EXPECT_EQ(out, in);
  EXPECT_EQ(ring.allocated(), 4096u);
}

}  // namespace
}  // namespace sluice::reassembly
