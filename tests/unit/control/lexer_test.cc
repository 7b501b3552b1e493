// Lexical rules: words, quotes, escapes, comments, line ends, columns.
#include "control/config/lexer.h"

#include <gtest/gtest.h>

namespace sluice::control::config {
namespace {

std::vector<std::string> texts(const std::vector<Word>& words) {
  std::vector<std::string> result;
  for (const Word& word : words) result.push_back(word.text);
  return result;
}

struct Lexed {
  LexedText lexed;
  std::vector<ConfigError> errors;
};

Lexed run(std::string_view text) {
  ErrorList errors("t.conf");
  LexedText lexed = lex(text, errors);
  return {std::move(lexed), errors.take()};
}

TEST(Lexer, SplitsLinesIntoWordsWithPositions) {
  const Lexed result = run("config mime limits\n\n  set max-depth\t7\n");
  ASSERT_TRUE(result.errors.empty());
  ASSERT_EQ(result.lexed.statements.size(), 2u);
  EXPECT_EQ(texts(result.lexed.statements[0]), (std::vector<std::string>{"config", "mime", "limits"}));
  const std::vector<Word>& set = result.lexed.statements[1];
  EXPECT_EQ(texts(set), (std::vector<std::string>{"set", "max-depth", "7"}));
  EXPECT_EQ(set[0].at.line, 3u);
  EXPECT_EQ(set[0].at.column, 3u);
  EXPECT_EQ(set[1].at.column, 7u);
  EXPECT_EQ(set[2].at.column, 17u);
}

TEST(Lexer, QuotedStringsKeepBlanksAndHashAndUnescape) {
  const Lexed result = run(R"(set pattern "a # b" "say \"hi\"" "c:\\dir" "")");
  ASSERT_TRUE(result.errors.empty());
  EXPECT_EQ(texts(result.lexed.statements[0]),
            (std::vector<std::string>{"set", "pattern", "a # b", R"(say "hi")", R"(c:\dir)", ""}));
  EXPECT_EQ(result.lexed.statements[0][3].at.column, 21u);
}

TEST(Lexer, CommentsRunToEndOfLineOutsideQuotes) {
  const Lexed result = run("# whole line\nset a b # trailing\nset c d#glued\n");
  ASSERT_TRUE(result.errors.empty());
  ASSERT_EQ(result.lexed.statements.size(), 2u);
  EXPECT_EQ(texts(result.lexed.statements[0]), (std::vector<std::string>{"set", "a", "b"}));
  EXPECT_EQ(texts(result.lexed.statements[1]), (std::vector<std::string>{"set", "c", "d"}));
}

TEST(Lexer, CrlfLineEndsLeaveNoCarriageReturnInWords) {
  const Lexed result = run("set a \"b\"\r\nset c d\r\n");
  ASSERT_TRUE(result.errors.empty());
  ASSERT_EQ(result.lexed.statements.size(), 2u);
  EXPECT_EQ(texts(result.lexed.statements[0]), (std::vector<std::string>{"set", "a", "b"}));
  EXPECT_EQ(texts(result.lexed.statements[1]), (std::vector<std::string>{"set", "c", "d"}));
  EXPECT_EQ(result.lexed.statements[1][2].at.line, 2u);
}

TEST(Lexer, QuoteEndsABareWord) {
  const Lexed result = run(R"(edit"x"y)");
  EXPECT_EQ(texts(result.lexed.statements[0]), (std::vector<std::string>{"edit", "x", "y"}));
}

TEST(Lexer, UnterminatedStringIsReportedAtItsQuoteAndKept) {
  const Lexed result = run("set a \"open\nset b c\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(), "t.conf:1:7: unterminated string (missing closing '\"')");
  EXPECT_EQ(texts(result.lexed.statements[0]), (std::vector<std::string>{"set", "a", "open"}));
  EXPECT_EQ(result.lexed.statements.size(), 2u);
}

TEST(Lexer, UnknownEscapeIsReportedAndKeptAsWritten) {
  const Lexed result = run(R"(set a "x\ny")");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(), R"(t.conf:1:9: unknown escape '\n' in string (only \" and \\ are allowed))");
  EXPECT_EQ(result.lexed.statements[0][2].text, R"(x\ny)");
}

TEST(Lexer, EndOfTextPointsJustPastTheLastCharacter) {
  EXPECT_EQ(run("ab\ncd").lexed.end_of_text.line, 2u);
  EXPECT_EQ(run("ab\ncd").lexed.end_of_text.column, 3u);
  EXPECT_EQ(run("ab\n").lexed.end_of_text.line, 2u);
  EXPECT_EQ(run("ab\n").lexed.end_of_text.column, 1u);
}

}  // namespace
}  // namespace sluice::control::config
