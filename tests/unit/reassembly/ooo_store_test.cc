// The bounded out-of-order store: first copy wins, limits, pool compaction; storage allocated on first insert,
// doubled up to the bounds with intervals present, and freed by trim() once empty.
#include "reassembly/ooo_store.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::reassembly {
namespace {

// Pops every interval, joining them with '|' so interval boundaries are visible.
std::string drain(OooStore& store) {
  std::string joined;
  while (!store.empty()) {
    if (!joined.empty()) joined += '|';
    joined += store.front_bytes();
    store.pop_front();
  }
  return joined;
}

TEST(OooStore, KeepsIntervalsSortedBySequence) {
  OooStore store(64, 8);
  EXPECT_EQ(store.insert(200, "ccc").new_bytes, 3u);
  EXPECT_EQ(store.insert(100, "aaa").new_bytes, 3u);
  EXPECT_EQ(store.insert(150, "bbb").new_bytes, 3u);
  EXPECT_EQ(store.first_seq(), 100u);
  EXPECT_EQ(store.end_seq(), 203u);
  EXPECT_EQ(store.held_bytes(), 9u);
  EXPECT_EQ(drain(store), "aaa|bbb|ccc");
}

TEST(OooStore, FirstCopyWinsAndConflictsAreReported) {
  OooStore store(64, 8);
  store.insert(10, "cdef");                        // 10..13
  const OooInsertResult same = store.insert(8, "abcdefgh");  // covers both ends
  EXPECT_EQ(same.new_bytes, 4u);
  EXPECT_EQ(same.overlap_bytes, 4u);
  EXPECT_FALSE(same.conflict);
  const OooInsertResult changed = store.insert(9, "XXXXX");  // 9..13, all held
  EXPECT_EQ(changed.new_bytes, 0u);
  EXPECT_EQ(changed.overlap_bytes, 5u);
  EXPECT_TRUE(changed.conflict);
  EXPECT_EQ(drain(store), "ab|cdef|gh");
}

TEST(OooStore, FillsOnlyTheHolesBetweenHeldIntervals) {
  OooStore store(64, 8);
  store.insert(2, "C");
  store.insert(5, "F");
  const OooInsertResult spanning = store.insert(0, "abXdeYgh");
  EXPECT_EQ(spanning.new_bytes, 6u);
  EXPECT_TRUE(spanning.conflict);
  std::string bytes;
  while (!store.empty()) {
    bytes += store.front_bytes();
    store.pop_front();
  }
  EXPECT_EQ(bytes, "abCdeFgh");
}

TEST(OooStore, InOrderArrivalsBehindAHoleShareOneInterval) {
  OooStore store(64, 2);
  for (uint32_t i = 0; i < 10; ++i) {
    const std::string byte(1, static_cast<char>('a' + i));
    EXPECT_FALSE(store.insert(100 + i, byte).dropped);
  }
  EXPECT_EQ(store.interval_count(), 1u);
  EXPECT_EQ(drain(store), "abcdefghij");
}

TEST(OooStore, RefusesWhatDoesNotFitAndStoresNothingOfIt) {
  OooStore store(8, 2);
  store.insert(0, "aaaaaa");
  const OooInsertResult too_big = store.insert(10, "bbb");
  EXPECT_TRUE(too_big.dropped);
  EXPECT_EQ(store.held_bytes(), 6u);
  store.insert(20, "c");
  const OooInsertResult third_interval = store.insert(30, "d");
  EXPECT_TRUE(third_interval.dropped);
  EXPECT_EQ(store.interval_count(), 2u);
  EXPECT_EQ(drain(store), "aaaaaa|c");
}

TEST(OooStore, CompactsThePoolInsteadOfGrowing) {
  OooStore store(8, 4);
  store.insert(0, "aaaa");
  store.insert(10, "bbbb");
  store.pop_front();                    // frees 4 bytes at the start of the pool
  EXPECT_FALSE(store.insert(20, "cccc").dropped);  // needs the freed bytes
  EXPECT_EQ(store.held_bytes(), 8u);
  EXPECT_EQ(drain(store), "bbbb|cccc");
}

TEST(OooStore, HandlesSequenceWrap) {
  OooStore store(64, 8);
  store.insert(0xFFFFFFFEu, "ab");
  store.insert(0x0u, "cd");
  store.insert(0xFFFFFFFDu, "Zabc");  // overlaps across the wrap
  EXPECT_EQ(store.first_seq(), 0xFFFFFFFDu);
  EXPECT_EQ(store.end_seq(), 2u);
  std::string bytes;
  while (!store.empty()) {
    bytes += store.front_bytes();
    store.pop_front();
  }
  EXPECT_EQ(bytes, "Zabcd");
}

TEST(OooStore, ZeroCapacityStoresNothing) {
  OooStore store(0, 0);
  EXPECT_TRUE(store.insert(1, "x").dropped);
  EXPECT_TRUE(store.empty());
}

TEST(OooStore, AllocatesNothingUntilTheFirstInsert) {
  OooStore store(256 * 1024, 128, 2048);
  EXPECT_EQ(store.allocated_bytes(), 0u);
  EXPECT_EQ(store.allocated_intervals(), 0u);
  store.trim();
  EXPECT_EQ(store.allocated_bytes(), 0u);
  EXPECT_EQ(store.insert(1000, "x").new_bytes, 1u);
  EXPECT_EQ(store.allocated_bytes(), 2048u);
  EXPECT_EQ(store.allocated_intervals(), OooStore::kInitialIntervals);
}

TEST(OooStore, GrowsWithIntervalsPresentAndKeepsTheirBytes) {
  OooStore store(1024, 64, 16);
  std::string expected;
  for (uint32_t i = 0; i < 20; ++i) {  // 20 separate intervals of 10 bytes: pool 16 -> 256, list 8 -> 32
    const std::string block(10, static_cast<char>('a' + i));
    ASSERT_FALSE(store.insert(100 * i, block).dropped) << i;
    if (!expected.empty()) expected += '|';
    expected += block;
  }
  EXPECT_EQ(store.allocated_bytes(), 256u);
  EXPECT_EQ(store.allocated_intervals(), 32u);
  EXPECT_EQ(store.held_bytes(), 200u);
  EXPECT_FALSE(store.insert(55, "overlaps").dropped);  // lands between intervals 0 and 1 after the growth
  EXPECT_EQ(store.insert(5, "aaaaa").overlap_bytes, 5u);  // the moved bytes are still compared, first copy wins
  EXPECT_TRUE(store.insert(5, "aaZaa").conflict);
  expected.insert(10, "|overlaps");
  EXPECT_EQ(drain(store), expected);
}

TEST(OooStore, TheCapacityStaysTheLimitWhileGrowing) {
  OooStore store(100, 64, 16);
  EXPECT_FALSE(store.insert(0, std::string(60, 'a')).dropped);
  EXPECT_EQ(store.allocated_bytes(), 64u);
  EXPECT_TRUE(store.insert(100, std::string(41, 'b')).dropped);  // 101 > 100: refused, nothing stored
  EXPECT_EQ(store.held_bytes(), 60u);
  EXPECT_FALSE(store.insert(100, std::string(40, 'b')).dropped);
  EXPECT_EQ(store.allocated_bytes(), 100u);  // capped at the bound, not 128
  EXPECT_EQ(drain(store), std::string(60, 'a') + "|" + std::string(40, 'b'));
  OooStore few(1000, 3, 16);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_FALSE(few.insert(10 * i, "z").dropped);
  EXPECT_TRUE(few.insert(100, "z").dropped);  // interval bound
  EXPECT_EQ(few.allocated_intervals(), 3u);   // the list never reserves past max_intervals
}

TEST(OooStore, TrimFreesGrowthOnlyWhenEmpty) {
  OooStore store(4096, 64, 16);
  for (uint32_t i = 0; i < 12; ++i) store.insert(50 * i, std::string(20, 'q'));
  EXPECT_EQ(store.allocated_bytes(), 256u);
  store.trim();  // intervals held: nothing freed
  EXPECT_EQ(store.allocated_bytes(), 256u);
  EXPECT_EQ(store.interval_count(), 12u);
  store.clear();
  store.trim();
  EXPECT_EQ(store.allocated_bytes(), 0u);
  EXPECT_EQ(store.allocated_intervals(), 0u);
  EXPECT_FALSE(store.insert(7, "seven").dropped);  // usable again from the initial size
  EXPECT_EQ(store.allocated_bytes(), 16u);
  store.pop_front();
  store.trim();  // at the initial size: kept
  EXPECT_EQ(store.allocated_bytes(), 16u);
}

}  // namespace
}  // namespace sluice::reassembly
