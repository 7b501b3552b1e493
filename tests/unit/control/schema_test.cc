// The schema table itself: lookups, completion lists, and rows that are
// complete enough for the CLI (help text, words for enums, sane ranges).
#include "control/config/schema.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice::control::config {
namespace {

TEST(Schema, FindsBlocksAndKeysByExactName) {
  const BlockSpec* mime = find_block("mime limits");
  ASSERT_NE(mime, nullptr);
  EXPECT_EQ(mime->shape, BlockShape::Settings);
  const KeySpec* depth = find_key(*mime, "max-depth");
  ASSERT_NE(depth, nullptr);
  EXPECT_EQ(depth->kind, ValueKind::Integer);
  EXPECT_EQ(depth->min, 1);
  EXPECT_EQ(depth->max, 1000);
  EXPECT_EQ(find_block("mime"), nullptr);
  EXPECT_EQ(find_key(*mime, "max"), nullptr);
  ASSERT_NE(find_block("firewall vip"), nullptr);
  EXPECT_EQ(find_block("firewall vip")->shape, BlockShape::Table);
}

TEST(Schema, ListsBlocksInDocumentedOrder) {
  const std::vector<std::string_view> expected = {
      "system interface",    "firewall vip", "smtp protocol-options", "smtp envelope",   "reputation settings",
      "reputation list",     "greylist",     "mime limits",           "archive",         "antivirus",
      "url-filter",          "spamfilter settings", "spamfilter rule", "quarantine",     "scan budget",
      "system session",      "system tcp",   "log settings"};
  EXPECT_EQ(block_paths(), expected);
}

TEST(Schema, CompletionListsForKeysAndWords) {
  const BlockSpec& antivirus = *find_block("antivirus");
  EXPECT_EQ(key_names(antivirus), (std::vector<std::string_view>{"signature-files", "builtin-eicar", "action"}));
  EXPECT_EQ(enum_words(*find_key(antivirus, "builtin-eicar")), (std::vector<std::string_view>{"enable", "disable"}));
  EXPECT_EQ(enum_words(*find_key(*find_block("smtp protocol-options"), "oversize-action")),
            (std::vector<std::string_view>{"pass", "tag", "quarantine", "tempfail", "reject", "block"}));
}

TEST(Schema, EveryRowIsCompleteAndUniqueWithinItsBlock) {
  for (const BlockSpec& block : config_blocks()) {
    EXPECT_FALSE(block.help.empty()) << block.path;
    EXPECT_EQ(block.shape == BlockShape::Settings, block.settings_target != nullptr) << block.path;
    EXPECT_EQ(block.shape == BlockShape::Table, block.append_entry != nullptr) << block.path;
    std::set<std::string_view> names;
    for (const KeySpec& key : block.keys) {
      EXPECT_TRUE(names.insert(key.name).second) << block.path << " " << key.name;
      EXPECT_FALSE(key.help.empty()) << key.name;
      const bool has_words = key.kind == ValueKind::Toggle || key.kind == ValueKind::Choice;
      EXPECT_EQ(has_words, !key.words.empty()) << key.name;
      if (key.kind == ValueKind::Toggle) {
        EXPECT_EQ(key.words.size(), 2u) << key.name;
      }
      if (key.kind == ValueKind::Integer) {
        EXPECT_LE(key.min, key.max) << key.name;
      }
      EXPECT_TRUE(!key.required || block.shape == BlockShape::Table) << key.name;
    }
  }
}

}  // namespace
}  // namespace sluice::control::config
