// StreamScanner: EICAR across every chunk boundary, reuse across views, end-of-data matches,
// misuse, and one Database shared by two threads.
#include <gtest/gtest.h>
#include <hs/hs_runtime.h>

#include <thread>

#include "engine_test_support.h"

namespace sluice::engine {
namespace {

using testing::kEicar;
using testing::Names;

std::unique_ptr<Database> eicar_db() {
  SignatureSet set;
  set.add_builtin_eicar();
  EXPECT_EQ(set.stats().body, 1u);
  return testing::compile_ok(set);
}

TEST(StreamScanner, EicarSplitAtEveryBytePosition) {
  auto db = eicar_db();
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(kEicar.size(), 68u);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  const std::string message = "Subject: test\r\n\r\n" + kEicar + "\r\n";
  for (size_t split = 0; split <= message.size(); ++split) {
    scanner.begin();
    scanner.feed(std::string_view(message).substr(0, split));
    scanner.feed(std::string_view(message).substr(split));
    scanner.end();
    EXPECT_TRUE(scanner.ok());
    EXPECT_EQ(testing::hit_names(*db, scanner.hits()), Names{"Eicar-Test-Signature"}) << split;
  }
  EXPECT_EQ(testing::scan_both_ways(*db, kEicar), Names{"Eicar-Test-Signature"});
}

TEST(StreamScanner, ReusableAcrossViewsWithoutCarryOver) {
  auto db = eicar_db();
  ASSERT_NE(db, nullptr);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  EXPECT_EQ(testing::scan_in_chunks(scanner, *db, kEicar, 7), Names{"Eicar-Test-Signature"});
  EXPECT_EQ(testing::scan_in_chunks(scanner, *db, "clean text part"), Names{});
  // The first half of one view must not join the second half of the next.
  scanner.begin();
  scanner.feed(std::string_view(kEicar).substr(0, 30));
  scanner.end();
  scanner.begin();
  scanner.feed(std::string_view(kEicar).substr(30));
  scanner.end();
  EXPECT_TRUE(scanner.hits().empty());
  EXPECT_EQ(testing::scan_in_chunks(scanner, *db, "x" + kEicar), Names{"Eicar-Test-Signature"});
  EXPECT_EQ(scanner.bytes(), 69u);
}

TEST(StreamScanner, AbandonedStreamIsDiscardedByBegin) {
  auto db = eicar_db();
  ASSERT_NE(db, nullptr);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  scanner.begin();
  scanner.feed(std::string_view(kEicar).substr(0, 40));
  scanner.begin();  // no end(): the half-seen view is dropped
  scanner.feed(std::string_view(kEicar).substr(40));
  scanner.end();
  EXPECT_TRUE(scanner.ok());
  EXPECT_TRUE(scanner.hits().empty());
}

TEST(StreamScanner, EndOfDataMatchesAreFlushedByEnd) {
  SignatureSet set;
  std::string error;
  ASSERT_TRUE(set.add_rule("TailRule", "tail$", RuleScope::Body, 3, false, &error)) << error;
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  scanner.begin();
  scanner.feed("the very last word is the tail");
  EXPECT_TRUE(scanner.hits().empty());  // "$" is only decided at end of data
  scanner.end();
  EXPECT_EQ(testing::hit_names(*db, scanner.hits()), Names{"TailRule"});
  EXPECT_EQ(testing::scan_both_ways(*db, "tail is not last"), Names{});
}

TEST(StreamScanner, FeedOrEndWithoutBeginIsReportedNotFatal) {
  auto db = eicar_db();
  ASSERT_NE(db, nullptr);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  scanner.feed(kEicar);
  EXPECT_FALSE(scanner.ok());
  scanner.begin();
  EXPECT_TRUE(scanner.ok());
  scanner.end();
  scanner.end();
  EXPECT_FALSE(scanner.ok());
}

TEST(StreamScanner, HitsAreDeduplicatedInFirstHitOrder) {
  SignatureSet set;
  std::string error;
  ASSERT_TRUE(set.add_ndb_line("First:0:*:4142", &error)) << error;
  ASSERT_TRUE(set.add_ndb_line("Second:0:*:5859", &error)) << error;
  set.add_builtin_eicar();
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(testing::scan_both_ways(*db, "XY AB XY AB " + kEicar + " AB"),
            (Names{"Second", "First", "Eicar-Test-Signature"}));
}

TEST(Database, BlockModeDatabaseHoldsTheSamePatterns) {
  auto db = eicar_db();
  ASSERT_NE(db, nullptr);
  ASSERT_NE(db->block_db(), nullptr);
  EXPECT_GT(db->stream_state_bytes(), 0u);
  Scratch scratch(*db);
  const std::string data = "prefix " + kEicar;
  unsigned hits = 0;
  auto count = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    ++*static_cast<unsigned*>(ctx);
    return 0;
  };
  ASSERT_EQ(hs_scan(db->block_db(), data.data(), static_cast<unsigned>(data.size()), 0,
                    scratch.get(), count, &hits),
            HS_SUCCESS);
  EXPECT_EQ(hits, 1u);
}

TEST(Database, SharedByTwoThreadsWithSeparateScratch) {
  auto db = eicar_db();
  ASSERT_NE(db, nullptr);
  constexpr int kRounds = 300;
  auto worker = [&db](int* correct) {
    Scratch scratch(*db);
    StreamScanner scanner(*db, scratch);
    for (int round = 0; round < kRounds; ++round) {
      const bool infected = round % 2 == 0;
      const std::string data = std::string(round, 'a') + (infected ? kEicar : "clean");
      scanner.begin();
      for (size_t at = 0; at < data.size(); at += 5) scanner.feed(std::string_view(data).substr(at, 5));
      scanner.end();
      if (scanner.ok() && scanner.hits().size() == (infected ? 1u : 0u)) ++*correct;
    }
  };
  int correct_a = 0, correct_b = 0;
  std::thread a(worker, &correct_a), b(worker, &correct_b);
  a.join();
  b.join();
  EXPECT_EQ(correct_a, kRounds);
  EXPECT_EQ(correct_b, kRounds);
}

}  // namespace
}  // namespace sluice::engine
