// tests/unit/cli/wire_protocol_test.cc — request quoting and checks, response parsing and formatting.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control/cli/wire_protocol.h"
#include "control/config/lexer.h"

namespace sluice::control::cli {
namespace {

// What the daemon's configuration lexer makes of a line: the words one-shot mode meant to send.
std::vector<std::string> lexed(const std::string& line) {
  config::ErrorList errors("request");
  const config::LexedText text = config::lex(line, errors);
  EXPECT_TRUE(errors.take().empty()) << line;
  std::vector<std::string> words;
  if (!text.statements.empty()) {
    for (const config::Word& w : text.statements[0]) words.push_back(w.text);
  }
  return words;
}

TEST(WireProtocol, ArgumentsSurviveTheConfigLexer) {
  const std::vector<std::string> argv = {"set", "comment", "two words", "say \"hi\"", "C:\\path", "#not-a-comment",
                                         "", "plain"};
  EXPECT_EQ(lexed(join_words(argv)), argv);
  EXPECT_EQ(join_words(std::vector<std::string>{"show", "vip"}), "show vip");
  EXPECT_EQ(quote_word("a b"), "\"a b\"");
  EXPECT_EQ(quote_word(""), "\"\"");
}

TEST(WireProtocol, RequestProblems) {
  EXPECT_EQ(request_problem("show vip"), "");
  EXPECT_EQ(request_problem("set comment \"caf\xc3\xa9\""), "");
  EXPECT_EQ(request_problem(std::string(kMaxRequestBytes - 1, 'a')), "");
  EXPECT_EQ(request_problem(std::string(kMaxRequestBytes, 'a')), "command is 4096 bytes long; the limit is 4095");
  EXPECT_EQ(request_problem("show vip\nexecute pause"), "a command is one line: it must not contain a line break");
  EXPECT_EQ(request_problem(std::string("show\0vip", 8)), "command contains a NUL byte");
  EXPECT_EQ(request_problem("set comment \xc3("), "command is not valid UTF-8 (byte 13)");
  EXPECT_EQ(request_problem("\xed\xa0\x80"), "command is not valid UTF-8 (byte 1)");   // a UTF-16 surrogate
  EXPECT_EQ(request_problem("\xc0\xaf"), "command is not valid UTF-8 (byte 1)");       // overlong '/'
}

TEST(WireProtocol, ParsesResponseLines) {
  using K = ResponseLine::Kind;
  EXPECT_EQ(parse_response_line("+ hello world").kind, K::Output);
  EXPECT_EQ(parse_response_line("+ hello world").text, "hello world");
  EXPECT_EQ(parse_response_line("+ ").text, "");
  EXPECT_EQ(parse_response_line("+").kind, K::Output);
  EXPECT_EQ(parse_response_line("+  indented").text, " indented");
  EXPECT_EQ(parse_response_line("= ok").kind, K::Ok);
  EXPECT_EQ(parse_response_line("= ok").text, "");
  EXPECT_EQ(parse_response_line("= ok [firewall vip/mail-in]").text, "firewall vip/mail-in");
  EXPECT_EQ(parse_response_line("= ok [firewall vip]\r").text, "firewall vip");
  EXPECT_EQ(parse_response_line("= error no such VIP 'x'").kind, K::Error);
  EXPECT_EQ(parse_response_line("= error no such VIP 'x'").text, "no such VIP 'x'");
  EXPECT_EQ(parse_response_line("= ok firewall").kind, K::Malformed);
  EXPECT_EQ(parse_response_line("hello").kind, K::Malformed);
  EXPECT_EQ(parse_response_line("=ok").kind, K::Malformed);
}

TEST(WireProtocol, FormatsWhatItParses) {
  std::string out;
  append_output(out, "one\n\nthree\n");
  append_output(out, "");
  append_ok(out, "firewall vip/mail-in");
  append_ok(out);
  append_error(out, "bad\nthing");
  EXPECT_EQ(out, "+ one\n+ \n+ three\n+ \n= ok [firewall vip/mail-in]\n= ok\n= error bad thing\n");
}

}  // namespace
}  // namespace sluice::control::cli
