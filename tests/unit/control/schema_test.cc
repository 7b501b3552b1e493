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
      "system interface",    "firewall vip", "ssl profile",   "smtp protocol-options", "smtp envelope",
      "reputation settings", "reputation list", "greylist",   "mime limits",           "archive",
      "antivirus",           "attachment-filter", "url-filter", "spamfilter settings", "spamfilter rule", "quarantine",
      "scan budget",         "system session", "system tcp",  "system tls",            "system control",
      "system alertemail",   "system prometheus", "log settings", "log syslogd"};
  EXPECT_EQ(block_paths(), expected);
}

TEST(Schema, CompletionListsForKeysAndWords) {
  const BlockSpec& antivirus = *find_block("antivirus");
  EXPECT_EQ(key_names(antivirus), (std::vector<std::string_view>{"signature-files", "builtin-eicar", "action"}));
  EXPECT_EQ(enum_words(*find_key(antivirus, "builtin-eicar")), (std::vector<std::string_view>{"enable", "disable"}));
  EXPECT_EQ(enum_words(*find_key(*find_block("smtp protocol-options"), "oversize-action")),
            (std::vector<std::string_view>{"pass", "tag", "quarantine", "tempfail", "reject", "block"}));
}

TEST(Schema, TlsKeysOfferOnlyTheWordsTheirLegCanDo) {
  const BlockSpec& profile = *find_block("ssl profile");
  EXPECT_EQ(profile.shape, BlockShape::Table);
  EXPECT_EQ(enum_words(*find_key(profile, "mode")),
            (std::vector<std::string_view>{"protecting-server", "certificate-inspection", "none"}));
  EXPECT_EQ(enum_words(*find_key(profile, "backend-tls")),
            (std::vector<std::string_view>{"starttls", "opportunistic", "none"}));
  EXPECT_EQ(enum_words(*find_key(profile, "backend-smtps-tls")),
            (std::vector<std::string_view>{"implicit", "starttls", "none"}));
  const KeySpec& min_version = *find_key(profile, "min-version");
  EXPECT_EQ(min_version.kind, ValueKind::NamedNumber);
  std::vector<std::pair<std::string_view, int>> versions;
  for (const EnumWord& word : min_version.words) versions.emplace_back(word.word, word.value);
  EXPECT_EQ(versions, (std::vector<std::pair<std::string_view, int>>{
                          {"tls1.0", 0x0301}, {"tls1.1", 0x0302}, {"tls1.2", 0x0303}, {"tls1.3", 0x0304}}));
  EXPECT_EQ(find_key(profile, "server-cert")->kind, ValueKind::ReadableFileList);
  EXPECT_EQ(find_key(profile, "backend-ca-file")->kind, ValueKind::ReadableFile);
  const BlockSpec& tls = *find_block("system tls");
  EXPECT_EQ(tls.shape, BlockShape::Settings);
  EXPECT_EQ(key_names(tls),
            (std::vector<std::string_view>{"workers", "engine", "provider", "provider-path", "async", "max-legs"}));
  EXPECT_EQ(find_key(tls, "engine")->kind, ValueKind::NameOrPath);
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
      const bool has_words =
          key.kind == ValueKind::Toggle || key.kind == ValueKind::Choice || key.kind == ValueKind::NamedNumber ||
          key.kind == ValueKind::Keyword;
      EXPECT_EQ(has_words, !key.words.empty()) << key.name;
      // A Choice stores its word's value in a one-byte enum.
      for (const EnumWord& word : key.words) {
        if (key.kind != ValueKind::NamedNumber) {
          EXPECT_LT(word.value, 256) << key.name << " " << word.word;
        }
      }
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
