#include "dataplane/neighbour_table.h"

#include <gtest/gtest.h>

namespace sluice::dataplane {
namespace {

constexpr uint64_t kSecond = 1'000'000'000ULL;
const MacAddress kMacA = {0x02, 0, 0, 0, 0, 0x0a};
const MacAddress kMacB = {0x02, 0, 0, 0, 0, 0x0b};

TEST(NeighbourTable, LearnThenLookupBothFamilies) {
  NeighbourTable t;
  const IpAddr v4 = *IpAddr::parse("10.0.0.1");
  const IpAddr v6 = *IpAddr::parse("2001:db8::1");
  EXPECT_FALSE(t.lookup(v4, 0));
  EXPECT_TRUE(t.learn(v4, kMacA, 5 * kSecond));
  EXPECT_TRUE(t.learn(v6, kMacB, 5 * kSecond));
  EXPECT_EQ(t.lookup(v4, 6 * kSecond), kMacA);
  EXPECT_EQ(t.lookup(v6, 6 * kSecond), kMacB);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.capacity(), 1024u);
  const NeighbourEntry* e = t.find(v4, 6 * kSecond);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, NeighbourState::Reachable);
  EXPECT_EQ(e->learned_at, 5 * kSecond);
  EXPECT_TRUE(t.learn(v4, kMacB, 7 * kSecond));  // a new MAC replaces the old one
  EXPECT_EQ(t.lookup(v4, 8 * kSecond), kMacB);
  EXPECT_EQ(t.size(), 2u);
}

TEST(NeighbourTable, ReachableThenStaleThenGone) {
  NeighbourTable t;  // 300 s reachable, 60 s stale
  const IpAddr a = *IpAddr::parse("10.0.0.2");
  t.learn(a, kMacA, 0);
  EXPECT_FALSE(t.needs_resolution(a, 299 * kSecond));
  EXPECT_EQ(t.find(a, 299 * kSecond)->state, NeighbourState::Reachable);
  EXPECT_EQ(t.lookup(a, 300 * kSecond), kMacA);  // stale: still used...
  EXPECT_EQ(t.find(a, 300 * kSecond)->state, NeighbourState::Stale);
  EXPECT_TRUE(t.needs_resolution(a, 300 * kSecond));  // ...while a refresh request goes out
  EXPECT_FALSE(t.needs_resolution(a, 300 * kSecond + kSecond / 2));
  EXPECT_TRUE(t.needs_resolution(a, 301 * kSecond));
  EXPECT_EQ(t.lookup(a, 359 * kSecond), kMacA);
  EXPECT_FALSE(t.lookup(a, 360 * kSecond));  // forgotten
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.counters().expired, 1u);
  t.learn(a, kMacB, 361 * kSecond);  // the answer to a refresh makes it Reachable again
  EXPECT_EQ(t.find(a, 362 * kSecond)->state, NeighbourState::Reachable);
}

TEST(NeighbourTable, ResolutionIsRateLimitedPerAddress) {
  NeighbourTable t;
  const IpAddr a = *IpAddr::parse("10.0.0.3");
  const IpAddr b = *IpAddr::parse("10.0.0.4");
  EXPECT_TRUE(t.needs_resolution(a, 10 * kSecond));
  EXPECT_EQ(t.find(a, 10 * kSecond)->state, NeighbourState::Incomplete);
  EXPECT_FALSE(t.lookup(a, 10 * kSecond));  // incomplete: no MAC
  EXPECT_FALSE(t.needs_resolution(a, 10 * kSecond + 999'999'999));
  EXPECT_TRUE(t.needs_resolution(b, 10 * kSecond + 1));  // another address has its own limit
  EXPECT_TRUE(t.needs_resolution(a, 11 * kSecond));
  EXPECT_EQ(t.counters().requests, 3u);
  t.learn(a, kMacA, 11 * kSecond + 5);
  EXPECT_EQ(t.lookup(a, 12 * kSecond), kMacA);
  EXPECT_FALSE(t.needs_resolution(a, 20 * kSecond));
}

TEST(NeighbourTable, UnansweredIncompleteEntriesAreForgotten) {
  NeighbourTable t;  // incomplete_ns 3 s
  const IpAddr a = *IpAddr::parse("2001:db8::9");
  EXPECT_TRUE(t.needs_resolution(a, 0));
  EXPECT_NE(t.find(a, 2 * kSecond), nullptr);
  EXPECT_EQ(t.find(a, 3 * kSecond), nullptr);
  EXPECT_EQ(t.size(), 0u);
}

TEST(NeighbourTable, FixedCapacityRecyclesOnlyExpiredEntries) {
  NeighbourConfig config;
  config.capacity = 4;
  NeighbourTable t(config);
  for (uint8_t i = 1; i <= 4; ++i) EXPECT_TRUE(t.learn(IpAddr::v4(10, 0, 0, i), kMacA, 0));
  EXPECT_FALSE(t.learn(IpAddr::v4(10, 0, 0, 5), kMacA, kSecond));
  EXPECT_FALSE(t.needs_resolution(IpAddr::v4(10, 0, 0, 5), kSecond));
  EXPECT_EQ(t.counters().table_full, 2u);
  EXPECT_TRUE(t.learn(IpAddr::v4(10, 0, 0, 4), kMacB, kSecond));  // existing entries still refresh
  EXPECT_TRUE(t.learn(IpAddr::v4(10, 0, 0, 5), kMacA, 360 * kSecond));  // 1..3 expired: one is recycled
  EXPECT_EQ(t.lookup(IpAddr::v4(10, 0, 0, 5), 360 * kSecond), kMacA);
  EXPECT_EQ(t.lookup(IpAddr::v4(10, 0, 0, 4), 360 * kSecond), kMacB);
  EXPECT_LE(t.size(), 4u);
}

// Many inserts and deletions: backward-shift deletion must keep every remaining key findable.
TEST(NeighbourTable, ChurnKeepsEveryLiveEntryFindable) {
  NeighbourConfig config;
  config.capacity = 64;
  NeighbourTable t(config);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 64; ++i) ASSERT_TRUE(t.learn(IpAddr::v4(10, 1, static_cast<uint8_t>(round), static_cast<uint8_t>(i)), kMacA, 0));
    for (int i = 0; i < 64; i += 2) t.forget(IpAddr::v4(10, 1, static_cast<uint8_t>(round), static_cast<uint8_t>(i)));
    for (int i = 1; i < 64; i += 2)
      ASSERT_EQ(t.lookup(IpAddr::v4(10, 1, static_cast<uint8_t>(round), static_cast<uint8_t>(i)), 0), kMacA);
    for (int i = 1; i < 64; i += 2) t.forget(IpAddr::v4(10, 1, static_cast<uint8_t>(round), static_cast<uint8_t>(i)));
    ASSERT_EQ(t.size(), 0u);
  }
}

}  // namespace
}  // namespace sluice::dataplane
