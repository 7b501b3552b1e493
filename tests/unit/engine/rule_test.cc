// Anti-spam regex rules: header rules (block mode, "Name: value") and body rules (streaming).
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace sluice::engine {
namespace {

using testing::Names;

class Rules : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(set_.add_rule("SubjectPills", "^Subject: .*viagra", RuleScope::Header, 5, true,
                              &error)) << error;
    ASSERT_TRUE(set_.add_rule("FreeMoney", "free\\s+money", RuleScope::Body, 3, true, &error))
        << error;
    ASSERT_TRUE(set_.add_rule("ExactCase", "WIN NOW", RuleScope::Body, 1, false, &error)) << error;
    db_ = testing::compile_ok(set_);
    ASSERT_NE(db_, nullptr);
  }

  Names header_hits(std::string_view name, std::string_view value) {
    Scratch scratch(*db_);
    std::vector<uint32_t> hits;
    EXPECT_TRUE(scan_header(*db_, scratch, name, value, hits));
    return testing::hit_names(*db_, hits);
  }

  SignatureSet set_;
  std::unique_ptr<Database> db_;
};

TEST_F(Rules, TableCarriesKindAndScore) {
  EXPECT_EQ(set_.stats().rules, 3u);
  ASSERT_EQ(db_->rule_count(), 3u);
  EXPECT_EQ(db_->rule(0).name, "SubjectPills");
  EXPECT_EQ(db_->rule(0).kind, RuleKind::HeaderRule);
  EXPECT_EQ(db_->rule(0).score, 5);
  EXPECT_EQ(db_->rule(1).kind, RuleKind::BodyRule);
  EXPECT_EQ(db_->rule(1).score, 3);
  EXPECT_NE(db_->header_db(), nullptr);
}

TEST_F(Rules, HeaderRuleMatchesNameColonValue) {
  EXPECT_EQ(header_hits("Subject", "Cheap VIAGRA today"), Names{"SubjectPills"});
  EXPECT_EQ(header_hits("Subject", "quarterly report"), Names{});
  EXPECT_EQ(header_hits("X-Subject", "viagra"), Names{});  // anchored at the header name
  EXPECT_EQ(header_hits("Subject", ""), Names{});
}

TEST_F(Rules, HeaderHitsAccumulateWithoutDuplicates) {
  Scratch scratch(*db_);
  std::vector<uint32_t> hits;
  EXPECT_TRUE(scan_header(*db_, scratch, "Subject", "viagra", hits));
  EXPECT_TRUE(scan_header(*db_, scratch, "Subject", "more viagra", hits));
  EXPECT_EQ(hits, std::vector<uint32_t>{0});
}

TEST_F(Rules, BodyRulesStreamAndHeaderRulesDoNot) {
  EXPECT_EQ(testing::scan_both_ways(*db_, "Get FREE \r\n  Money and WIN NOW"),
            (Names{"FreeMoney", "ExactCase"}));
  EXPECT_EQ(testing::scan_both_ways(*db_, "win now"), Names{});  // case-sensitive rule
  EXPECT_EQ(testing::scan_both_ways(*db_, "Subject: viagra"), Names{});
  EXPECT_EQ(header_hits("Subject", "free money"), Names{});
}

TEST(RuleErrors, BadPatternNamesTheRule) {
  SignatureSet set;
  std::string error;
  EXPECT_FALSE(set.add_rule("Broken", "a(b", RuleScope::Body, 1, false, &error));
  EXPECT_EQ(error.rfind("rule 'Broken': ", 0), 0u) << error;
  EXPECT_FALSE(set.add_rule("MatchesEmpty", "a*", RuleScope::Header, 1, false, &error));
  EXPECT_EQ(error, "rule 'MatchesEmpty': pattern matches empty data");
  EXPECT_FALSE(set.add_rule("", "abc", RuleScope::Body, 1, false, &error));
  EXPECT_EQ(error, "rule with empty name");
  EXPECT_EQ(set.stats().rules, 0u);
  EXPECT_EQ(set.rules().size(), 0u);
}

TEST(RuleErrors, HeaderOnlyDatabaseHasNoStreamDatabase) {
  SignatureSet set;
  std::string error;
  ASSERT_TRUE(set.add_rule("H", "^From: .*@spam\\.example", RuleScope::Header, 2, false, &error));
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->stream_db(), nullptr);
  EXPECT_EQ(testing::scan_both_ways(*db, "From: a@spam.example"), Names{});
  Scratch scratch(*db);
  std::vector<uint32_t> hits;
  EXPECT_TRUE(scan_header(*db, scratch, "From", "Eve <eve@spam.example>", hits));
  EXPECT_EQ(hits, std::vector<uint32_t>{0});
}

TEST(RuleErrors, NoHeaderRulesMeansNoHeaderHits) {
  SignatureSet set;
  set.add_builtin_eicar();
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->header_db(), nullptr);
  Scratch scratch(*db);
  std::vector<uint32_t> hits;
  EXPECT_TRUE(scan_header(*db, scratch, "Subject", testing::kEicar, hits));
  EXPECT_TRUE(hits.empty());
}

}  // namespace
}  // namespace sluice::engine
