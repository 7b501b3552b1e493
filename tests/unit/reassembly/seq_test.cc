// Sequence arithmetic modulo 2^32 (RFC 9293 §3.4), across the wrap in particular.
#include "reassembly/seq.h"

#include <gtest/gtest.h>

namespace sluice::reassembly {
namespace {

TEST(Seq, OrdersNumbersWithoutWrap) {
  EXPECT_TRUE(seq_lt(1, 2));
  EXPECT_TRUE(seq_leq(2, 2));
  EXPECT_TRUE(seq_gt(3, 2));
  EXPECT_TRUE(seq_geq(2, 2));
  EXPECT_FALSE(seq_lt(2, 2));
  EXPECT_EQ(seq_diff(10, 3), 7);
  EXPECT_EQ(seq_diff(3, 10), -7);
}

TEST(Seq, OrdersNumbersAcrossTheWrap) {
  const uint32_t before_wrap = 0xFFFFFFF0u;
  const uint32_t after_wrap = 0x10u;
  EXPECT_TRUE(seq_lt(before_wrap, after_wrap));
  EXPECT_TRUE(seq_gt(after_wrap, before_wrap));
  EXPECT_EQ(seq_diff(after_wrap, before_wrap), 0x20);
  EXPECT_EQ(seq_diff(before_wrap, after_wrap), -0x20);
}

TEST(Seq, InWindowIsHalfOpenAndWrapSafe) {
  EXPECT_TRUE(in_window(100, 100, 10));
  EXPECT_TRUE(in_window(109, 100, 10));
  EXPECT_FALSE(in_window(110, 100, 10));
  EXPECT_FALSE(in_window(99, 100, 10));
  EXPECT_TRUE(in_window(0x5u, 0xFFFFFFFAu, 16));
  EXPECT_FALSE(in_window(0xFFFFFFF9u, 0xFFFFFFFAu, 16));
  EXPECT_FALSE(in_window(100, 100, 0));
}

static_assert(seq_lt(0xFFFFFFFFu, 0u), "usable in constant expressions");

}  // namespace
}  // namespace sluice::reassembly
