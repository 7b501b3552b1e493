// tests/unit/cli/command_table_test.cc — the command table's contents, lookup, help and completion.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "control/cli/command_lookup.h"
#include "control/cli/command_table.h"
#include "control/cli/completion.h"
#include "control/cli/syntax_words.h"

namespace sluice::control::cli {
namespace {

std::string lookup_error(std::string_view line) {
  const std::vector<std::string_view> w = split_blanks(line);
  return lookup_command(w).error;
}

// The commands issue 6 and the integrator's brief name, word for word, and issue 8's fault injection (diagnose tls
// stall): the daemon rejects anything else.
TEST(CommandTable, ListsExactlyTheCommandsOfTheProtocol) {
  const std::set<std::string_view> expected = {
      "config <block...>", "edit <name>", "set <key> <value...>", "unset <key>", "delete <name>", "next", "end",
      "abort", "show full-configuration", "show diff", "show running-configuration", "commit [comment...]",
      "discard", "rollback <version>", "show history", "show vip", "show policy",
      "show session [src <ip>] [dst <ip>] [port <n>] [vip <name>]", "show stats [per-core]", "show tls",
      "show log [follow] [lines <n>]", "show alertmail", "diagnose debug flow filter <src|dst|port|vip|clear> [value]",
      "diagnose debug flow show", "diagnose debug flow trace start <count>", "diagnose debug flow trace stop",
      "diagnose test connection mailserver <vip-name|host[:port]> <from> <to>",
      "diagnose test alertmail [subject...]", "diagnose scan file <path>",
      "diagnose tls stall <seconds> [worker <index>]", "execute pause", "execute resume",
      "execute restart workers", "execute log rotate", "help [command...]", "exit", "quit"};
  std::set<std::string_view> actual;
  for (const CommandSpec& spec : command_table()) {
    EXPECT_TRUE(actual.insert(spec.syntax).second) << "listed twice: " << spec.syntax;
  }
  EXPECT_EQ(actual, expected);
}

TEST(CommandTable, EveryEntryIsComplete) {
  const auto groups = command_groups();
  for (const CommandSpec& spec : command_table()) {
    EXPECT_FALSE(spec.summary.empty()) << spec.syntax;
    EXPECT_EQ(spec.summary.find('\n'), std::string_view::npos) << "summary is one line: " << spec.syntax;
    EXPECT_NE(std::find(groups.begin(), groups.end(), spec.group), groups.end()) << spec.syntax;
    // Balanced brackets: the tokenizer would silently run an unclosed group to the end.
    int depth = 0;
    for (char c : spec.syntax) {
      depth += (c == '<' || c == '[') - (c == '>' || c == ']');
      EXPECT_GE(depth, 0) << spec.syntax;
    }
    EXPECT_EQ(depth, 0) << spec.syntax;
  }
}

TEST(CommandTable, EveryExampleStartsWithItsFixedWords) {
  for (const CommandSpec& spec : command_table()) {
    const std::string fixed = fixed_words(spec.syntax);
    ASSERT_FALSE(fixed.empty()) << spec.syntax;
    EXPECT_TRUE(spec.example == fixed || spec.example.starts_with(fixed + " "))
        << "example '" << spec.example << "' does not start with '" << fixed << "'";
  }
}

// Stronger than the prefix: each example is a well-shaped use of its own command, and of no other.
TEST(CommandTable, EveryExampleLooksUpToItsOwnCommand) {
  for (const CommandSpec& spec : command_table()) {
    const std::vector<std::string_view> w = split_blanks(spec.example);
    const CommandMatch match = lookup_command(w);
    EXPECT_EQ(match.spec, &spec) << spec.example << ": " << match.error;
  }
}

TEST(CommandTable, FixedWordsAndCommandWords) {
  EXPECT_EQ(fixed_words("show log [follow] [lines <n>]"), "show log");
  EXPECT_EQ(fixed_words("diagnose debug flow filter <src|dst|port|vip|clear> [value]"), "diagnose debug flow filter");
  EXPECT_EQ(fixed_words("next"), "next");
  const std::vector<std::string> all = command_words();
  EXPECT_EQ(all.size(), command_table().size());  // every syntax has its own fixed words
  for (std::string_view expected : {"show log", "config", "diagnose debug flow trace start", "execute restart workers"}) {
    EXPECT_NE(std::find(all.begin(), all.end(), expected), all.end()) << expected;
  }
}

TEST(CommandTable, FindCommandsMatchesLeadingWords) {
  EXPECT_EQ(find_commands({}).size(), command_table().size());
  const std::vector<std::string_view> show_log = {"show", "log"};
  ASSERT_EQ(find_commands(show_log).size(), 1u);
  EXPECT_EQ(find_commands(show_log)[0]->syntax, "show log [follow] [lines <n>]");
  const std::vector<std::string_view> trace = {"diagnose", "debug", "flow", "trace"};
  EXPECT_EQ(find_commands(trace).size(), 2u);
  const std::vector<std::string_view> execute = {"execute"};
  EXPECT_EQ(find_commands(execute).size(), 4u);
  // A placeholder is not a word to match: "rollback 12" is no leading-words prefix.
  const std::vector<std::string_view> rollback = {"rollback", "12"};
  EXPECT_TRUE(find_commands(rollback).empty());
}

TEST(SyntaxWords, TokensAndChoices) {
  const std::vector<SyntaxToken> t = syntax_tokens("diagnose debug flow filter <src|dst|port|vip|clear> [value]");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[4].kind, SyntaxToken::Kind::Placeholder);
  EXPECT_EQ(choice_keywords(t[4]), (std::vector<std::string_view>{"src", "dst", "port", "vip", "clear"}));
  EXPECT_EQ(t[5].kind, SyntaxToken::Kind::Optional);
  EXPECT_TRUE(t[5].free_words);
  const std::vector<SyntaxToken> probe = syntax_tokens("diagnose test connection mailserver <vip-name|host[:port]> <from> <to>");
  ASSERT_EQ(probe.size(), 7u);
  EXPECT_EQ(probe[4].text, "<vip-name|host[:port]>");
  EXPECT_TRUE(choice_keywords(probe[4]).empty());
  const std::vector<SyntaxToken> log = syntax_tokens("show log [follow] [lines <n>]");
  ASSERT_EQ(log.size(), 4u);
  EXPECT_FALSE(log[2].free_words);
  EXPECT_EQ(log[3].text, "lines <n>");
  const std::vector<SyntaxToken> commit = syntax_tokens("commit [comment...]");
  EXPECT_TRUE(commit[1].free_words);
  EXPECT_TRUE(commit[1].variadic);
  EXPECT_TRUE(syntax_tokens("config <block...>")[1].variadic);
}

TEST(CommandLookup, AcceptsWellShapedLines) {
  for (std::string_view line : {"show session", "show session port 25 src 203.0.113.7", "show log lines 20 follow",
                                "commit", "commit two words", "config system alertemail",
                                "set server-cert a.pem b.pem", "diagnose debug flow filter clear", "help",
                                "diagnose test alertmail"}) {
    EXPECT_EQ(lookup_error(line), "") << line;
  }
  const std::vector<std::string_view> stats = {"show", "stats", "per-core"};
  ASSERT_NE(lookup_command(stats).spec, nullptr);
  EXPECT_EQ(lookup_command(stats).spec->syntax, "show stats [per-core]");
}

TEST(CommandLookup, SaysPreciselyWhatIsWrong) {
  EXPECT_EQ(lookup_error(""), "empty command");
  EXPECT_EQ(lookup_error("shw vip"), "unknown command 'shw' (did you mean 'show'?)");
  EXPECT_EQ(lookup_error("show sesion"), "unknown command 'show sesion' (did you mean 'show session'?)");
  EXPECT_EQ(lookup_error("frobnicate"), "unknown command 'frobnicate'");
  EXPECT_EQ(lookup_error("execute"), "incomplete command 'execute'; it goes on with one of: pause resume restart log");
  EXPECT_EQ(lookup_error("rollback"), "missing <version>; usage: rollback <version>");
  EXPECT_EQ(lookup_error("config"), "missing <block...>; usage: config <block...>");
  EXPECT_EQ(lookup_error("show log lines"), "missing <n>; usage: show log [follow] [lines <n>]");
  EXPECT_EQ(lookup_error("show stats per-core extra"), "unexpected 'extra'; usage: show stats [per-core]");
  EXPECT_EQ(lookup_error("show session src 1.2.3.4 src 5.6.7.8"),
            "unexpected 'src'; usage: show session [src <ip>] [dst <ip>] [port <n>] [vip <name>]");
  EXPECT_EQ(lookup_error("diagnose debug flow filter vipp mail-in"),
            "'vipp' is not one of src dst port vip clear (did you mean 'vip'?); "
            "usage: diagnose debug flow filter <src|dst|port|vip|clear> [value]");
  EXPECT_EQ(lookup_error("diagnose test connection mailserver mail-in a@example.org"),
            "missing <to>; usage: diagnose test connection mailserver <vip-name|host[:port]> <from> <to>");
}

TEST(Completion, OffersWhatMayComeNext) {
  using V = std::vector<std::string>;
  const V top = completions({}, "");
  for (std::string_view word : {"config", "show", "diagnose", "execute", "help", "exit", "abort"}) {
    EXPECT_NE(std::find(top.begin(), top.end(), word), top.end()) << word;
  }
  EXPECT_EQ(completions({}, "ex"), (V{"execute", "exit"}));
  const std::vector<std::string_view> show = {"show"};
  EXPECT_EQ(completions(show, "s"), (V{"session", "stats"}));
  const std::vector<std::string_view> filter = {"diagnose", "debug", "flow", "filter"};
  EXPECT_EQ(completions(filter, ""), (V{"clear", "dst", "port", "src", "vip"}));
  const std::vector<std::string_view> follow = {"show", "log", "follow"};
  EXPECT_EQ(completions(follow, ""), (V{"lines"}));
  const std::vector<std::string_view> src = {"show", "session", "src"};
  EXPECT_TRUE(completions(src, "").empty());  // an address comes next, not a keyword
  const std::vector<std::string_view> src_given = {"show", "session", "src", "192.0.2.1"};
  EXPECT_EQ(completions(src_given, ""), (V{"dst", "port", "vip"}));
  const std::vector<std::string_view> set = {"set", "comment"};
  EXPECT_TRUE(completions(set, "").empty());
}

TEST(HelpText, GroupedWithSyntaxSummaryAndExample) {
  const std::string help = help_text();
  size_t last = 0;
  for (std::string_view group : command_groups()) {
    const size_t at = help.find("\n" + std::string(group) + "\n");
    ASSERT_NE(at, std::string::npos) << group;
    EXPECT_GT(at, last) << "groups in command_groups() order";
    last = at;
  }
  for (const CommandSpec& spec : command_table()) {
    const std::string entry = "  " + std::string(spec.syntax) + "\n      " + std::string(spec.summary) +
                              "\n      example: " + std::string(spec.example) + "\n";
    EXPECT_NE(help.find(entry), std::string::npos) << spec.syntax;
  }
}

TEST(HelpText, NarrowedByWords) {
  const std::vector<std::string_view> show_log = {"show", "log"};
  bool found = false;
  const std::string help = help_text_for(show_log, &found);
  EXPECT_TRUE(found);
  EXPECT_NE(help.find("show log [follow] [lines <n>]"), std::string::npos);
  EXPECT_EQ(help.find("show vip"), std::string::npos);
  EXPECT_EQ(help.find("\nConfiguration\n"), std::string::npos);  // no empty groups
  const std::vector<std::string_view> whole_line = {"rollback", "12"};
  EXPECT_NE(help_text_for(whole_line, &found).find("rollback <version>"), std::string::npos);
  EXPECT_TRUE(found);
  const std::vector<std::string_view> typo = {"shw"};
  EXPECT_EQ(help_text_for(typo, &found), "no help for 'shw': unknown command 'shw' (did you mean 'show'?)\n");
  EXPECT_FALSE(found);
  EXPECT_EQ(help_text_for({}), help_text());
}

}  // namespace
}  // namespace sluice::control::cli
