// tests/unit/cli/docs_test.cc — docs/cli.md, the command table and `sluicectl help` say the same thing.
//
// docs/cli.md's reference section has, per command:
//   ## <Group> commands
//   ### `<syntax>`
//   <summary, one paragraph>
//   ```sh
//   sluice # <example>            (or "sluice (<context>) # <example>")
//   ```
// Both directions are checked: every table entry is documented exactly, and nothing else is. Every prompt
// line anywhere in the page's sh blocks must also be a command the table accepts.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "control/cli/command_lookup.h"
#include "control/cli/command_table.h"
#include "control/config/lexer.h"
#include "tests/unit/cli/run_sluicectl.h"

namespace sluice::control::cli {
namespace {

struct DocumentedCommand {
  std::string group;
  std::string summary;
  std::string example;
};

struct ParsedDocs {
  std::map<std::string, DocumentedCommand> commands;  // by syntax
  std::vector<std::string> duplicates;
  std::vector<std::string> prompt_lines;              // every "sluice ... # command" in sh blocks
  std::vector<std::string> problems;                  // entries the parser could not read
};

const std::regex kPrompt(R"(^sluice(?: \([^)]*\))? # (.*)$)");

ParsedDocs parse_docs(std::istream& in) {
  ParsedDocs docs;
  std::string line, group, current_syntax;
  DocumentedCommand* current = nullptr;  // the entry whose summary or example is being read
  enum class State { Prose, Summary, AwaitFence, InFence } state = State::Prose;
  bool in_fence = false, fence_is_sh = false;
  while (std::getline(in, line)) {
    if (line.starts_with("```")) {
      if (!in_fence) {
        in_fence = true;
        fence_is_sh = line == "```sh";
        if (state == State::Summary || state == State::AwaitFence) state = fence_is_sh ? State::InFence : State::AwaitFence;
      } else {
        in_fence = false;
        if (state == State::InFence) {
          if (current->example.empty()) docs.problems.push_back(current_syntax + ": no 'sluice # ' example line");
          state = State::Prose;
          current = nullptr;
        }
      }
      continue;
    }
    if (in_fence) {
      std::smatch prompt;
      if (fence_is_sh && std::regex_match(line, prompt, kPrompt)) {
        docs.prompt_lines.push_back(prompt[1]);
        if (state == State::InFence && current->example.empty()) current->example = prompt[1];
      }
      continue;
    }
    if (line.starts_with("#")) {
      if (current != nullptr) docs.problems.push_back(current_syntax + ": no ```sh block before the next heading");
      current = nullptr;
      state = State::Prose;
    }
    if (line.starts_with("# ")) {
      group.clear();
    } else if (line.starts_with("## ")) {
      group = line.substr(3);
    } else if (line.starts_with("### ")) {
      if (line.size() < 7 || line[4] != '`' || line.back() != '`') {
        docs.problems.push_back("heading is not ### `<syntax>`: " + line);
        continue;
      }
      current_syntax = line.substr(5, line.size() - 6);
      if (docs.commands.count(current_syntax) != 0) docs.duplicates.push_back(current_syntax);
      current = &docs.commands[current_syntax];
      current->group = group;
      state = State::Summary;
    } else if (state == State::Summary && !line.empty()) {
      if (!current->summary.empty()) current->summary += ' ';
      current->summary += line;
    } else if (state == State::Summary && !current->summary.empty()) {
      state = State::AwaitFence;  // the blank line after the summary paragraph
    }
  }
  if (current != nullptr) docs.problems.push_back(current_syntax + ": no ```sh block before the end");
  return docs;
}

ParsedDocs read_docs() {
  std::ifstream file(SLUICE_CLI_DOC);
  EXPECT_TRUE(file) << "cannot read " << SLUICE_CLI_DOC;
  return parse_docs(file);
}

TEST(CliDocs, EveryCommandOfTheTableIsDocumentedExactly) {
  const ParsedDocs docs = read_docs();
  EXPECT_TRUE(docs.problems.empty()) << docs.problems.front();
  EXPECT_TRUE(docs.duplicates.empty()) << "documented twice: " << docs.duplicates.front();
  for (const CommandSpec& spec : command_table()) {
    const auto found = docs.commands.find(std::string(spec.syntax));
    if (found == docs.commands.end()) {
      ADD_FAILURE() << "docs/cli.md lacks ### `" << spec.syntax << "`";
      continue;
    }
    EXPECT_EQ(found->second.group, std::string(spec.group) + " commands") << spec.syntax;
    EXPECT_EQ(found->second.summary, spec.summary) << spec.syntax;
    EXPECT_EQ(found->second.example, spec.example) << spec.syntax;
  }
}

TEST(CliDocs, DocumentsNoCommandTheTableLacks) {
  const ParsedDocs docs = read_docs();
  for (const auto& [syntax, documented] : docs.commands) {
    const auto table = command_table();
    const bool known = std::any_of(table.begin(), table.end(), [&](const CommandSpec& s) { return s.syntax == syntax; });
    EXPECT_TRUE(known) << "docs/cli.md documents `" << syntax << "`, which is not in the command table";
  }
  EXPECT_EQ(docs.commands.size(), command_table().size());
}

// Walkthroughs too: a prompt line in the page is a command the daemon would accept the shape of.
TEST(CliDocs, EveryPromptLineIsACommand) {
  const ParsedDocs docs = read_docs();
  EXPECT_GT(docs.prompt_lines.size(), command_table().size());  // the reference plus the walkthroughs
  for (const std::string& line : docs.prompt_lines) {
    config::ErrorList errors("docs/cli.md");
    const config::LexedText lexed = config::lex(line, errors);
    ASSERT_EQ(lexed.statements.size(), 1u) << line;
    std::vector<std::string_view> words;
    for (const config::Word& w : lexed.statements[0]) words.push_back(w.text);
    const CommandMatch match = lookup_command(words);
    EXPECT_NE(match.spec, nullptr) << "docs/cli.md shows '" << line << "': " << match.error;
  }
}

TEST(CliDocs, TheParserSeesAMalformedEntry) {
  std::istringstream broken(
      "## Show commands\n\n### `show vip`\n\nList the VIPs.\n\n```sh\nshow vip\n```\n\n"
      "### `show tls`\n\nNo example block.\n\n### show policy\n");
  const ParsedDocs docs = parse_docs(broken);
  ASSERT_EQ(docs.problems.size(), 3u);
  EXPECT_EQ(docs.problems[0], "show vip: no 'sluice # ' example line");
  EXPECT_EQ(docs.problems[1], "show tls: no ```sh block before the next heading");
  EXPECT_EQ(docs.problems[2], "heading is not ### `<syntax>`: ### show policy");
}

TEST(CliDocs, SluicectlHelpPrintsTheTablesHelp) {
  // No daemon: help is answered from the table compiled into the binary.
  const testing::RunResult r = testing::run_sluicectl({"-s", "/nonexistent/sluice.sock", "help"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, help_text());
}

}  // namespace
}  // namespace sluice::control::cli
