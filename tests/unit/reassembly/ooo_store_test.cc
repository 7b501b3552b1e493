// The fixed-capacity out-of-order store: first copy wins, limits, pool compaction.
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

}  // namespace
}  // namespace sluice::reassembly
