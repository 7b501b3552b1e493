// Block grammar: tree shapes, misplaced statements, recovery.
#include "control/config/parser.h"

#include <gtest/gtest.h>

namespace sluice::control::config {
namespace {

struct Parsed {
  ConfigTree tree;
  std::vector<std::string> errors;
};

Parsed run(std::string_view text) {
  ErrorList errors("t.conf");
  ConfigTree tree = parse(lex(text, errors), errors);
  std::vector<std::string> lines;
  for (const ConfigError& error : errors.take()) lines.push_back(error.to_string());
  return {std::move(tree), lines};
}

TEST(Parser, SettingsBlockKeepsSettingsInOrder) {
  const Parsed result = run("config mime limits\n  set max-depth 7\n  unset max-parts\nend\n");
  ASSERT_TRUE(result.errors.empty());
  ASSERT_EQ(result.tree.blocks.size(), 1u);
  const Block& block = result.tree.blocks[0];
  ASSERT_EQ(block.path.size(), 2u);
  EXPECT_EQ(block.path[1].text, "limits");
  EXPECT_EQ(block.at.line, 1u);
  ASSERT_EQ(block.settings.size(), 2u);
  EXPECT_EQ(block.settings[0].key.text, "max-depth");
  EXPECT_EQ(block.settings[0].values[0].text, "7");
  EXPECT_FALSE(block.settings[0].is_unset);
  EXPECT_TRUE(block.settings[1].is_unset);
  EXPECT_TRUE(block.settings[1].values.empty());
  EXPECT_TRUE(block.entries.empty());
}

TEST(Parser, TableBlockKeepsEntriesWithTheirSettings) {
  const Parsed result = run("config firewall vip\n edit \"a\"\n  set ports 25 587\n next\n edit b\n next\nend\n");
  ASSERT_TRUE(result.errors.empty());
  const Block& block = result.tree.blocks.at(0);
  ASSERT_EQ(block.entries.size(), 2u);
  EXPECT_EQ(block.entries[0].name.text, "a");
  EXPECT_EQ(block.entries[0].at.line, 2u);
  EXPECT_EQ(block.entries[0].at.column, 2u);
  ASSERT_EQ(block.entries[0].settings.size(), 1u);
  EXPECT_EQ(block.entries[0].settings[0].values.size(), 2u);
  EXPECT_EQ(block.entries[1].name.text, "b");
  EXPECT_TRUE(block.settings.empty());
}

TEST(Parser, StatementsOutsideABlock) {
  const Parsed result = run("set a b\nunset a\nedit x\nnext\nend\n");
  EXPECT_EQ(result.errors, (std::vector<std::string>{
                               "t.conf:1:1: 'set' outside a 'config' block",
                               "t.conf:2:1: 'unset' outside a 'config' block",
                               "t.conf:3:1: 'edit' outside a 'config' block",
                               "t.conf:4:1: 'next' without an open 'edit'",
                               "t.conf:5:1: 'end' without an open 'config' block",
                           }));
  EXPECT_TRUE(result.tree.blocks.empty());
}

TEST(Parser, UnknownCommandWithSuggestion) {
  const Parsed result = run("config archive\n  sett max-depth 3\n  frobnicate\nend\n");
  EXPECT_EQ(result.errors,
            (std::vector<std::string>{
                "t.conf:2:3: unknown command 'sett' (expected config, edit, set, unset, next or end) (did you mean 'set'?)",
                "t.conf:3:3: unknown command 'frobnicate' (expected config, edit, set, unset, next or end)",
            }));
}

TEST(Parser, MalformedStatements) {
  const Parsed result =
      run("config\nconfig archive\n set\n set max-depth\n unset max-depth 3\nend x\nconfig firewall vip\n"
          " edit\n edit a b\n edit c\n next now\nend\n");
  EXPECT_EQ(result.errors, (std::vector<std::string>{
                               "t.conf:1:1: 'config' wants a block name, e.g. 'config mime limits'",
                               "t.conf:3:2: 'set' wants a setting name",
                               "t.conf:4:6: 'set max-depth' wants a value (use 'unset' to restore the default)",
                               "t.conf:5:18: 'unset' takes only a setting name",
                               "t.conf:6:5: 'end' takes no arguments",
                               "t.conf:8:2: 'edit' wants exactly one name",
                               "t.conf:9:9: 'edit' wants exactly one name",
                               "t.conf:11:7: 'next' takes no arguments",
                           }));
  ASSERT_EQ(result.tree.blocks.size(), 2u);
  EXPECT_EQ(result.tree.blocks[1].entries.size(), 1u);
}

TEST(Parser, NestedConfigClosesTheOpenBlock) {
  const Parsed result = run("config archive\n set max-depth 3\n  config mime limits\n set max-depth 4\nend\n");
  EXPECT_EQ(result.errors,
            (std::vector<std::string>{"t.conf:3:3: expected 'end' before 'config' (block opened at 1:1)"}));
  ASSERT_EQ(result.tree.blocks.size(), 2u);
  EXPECT_EQ(result.tree.blocks[0].settings.size(), 1u);
  EXPECT_EQ(result.tree.blocks[1].settings.size(), 1u);
}

TEST(Parser, MissingNextIsRecovered) {
  const Parsed result = run("config firewall vip\n edit a\n edit b\n next\n edit c\nend\n");
  EXPECT_EQ(result.errors, (std::vector<std::string>{
                               "t.conf:3:2: expected 'next' before 'edit' (entry opened at 2:2)",
                               "t.conf:6:1: expected 'next' before 'end' (entry opened at 5:2)",
                           }));
  ASSERT_EQ(result.tree.blocks.size(), 1u);
  EXPECT_EQ(result.tree.blocks[0].entries.size(), 3u);
}

TEST(Parser, EndOfFileInsideBlockAndEntry) {
  EXPECT_EQ(run("\n\nconfig archive\n set max-depth 3\n").errors,
            (std::vector<std::string>{"t.conf:5:1: expected 'end' before end of file (block opened at 3:1)"}));
  EXPECT_EQ(run("config firewall vip\n  edit a\n    set ports 25").errors,
            (std::vector<std::string>{
                "t.conf:3:17: expected 'next' before end of file (entry opened at 2:3)",
                "t.conf:3:17: expected 'end' before end of file (block opened at 1:1)",
            }));
}

TEST(Parser, EmptyInputIsAnEmptyTree) {
  const Parsed result = run("");
  EXPECT_TRUE(result.errors.empty());
  EXPECT_TRUE(result.tree.blocks.empty());
}

}  // namespace
}  // namespace sluice::control::config
