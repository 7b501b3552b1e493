// tests/unit/smtp/reply_parser_test.cc — single and multi-line replies,
// enhanced status codes, malformed lines, sanitised text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/smtp/reply_parser.h"

namespace sluice::smtp {
namespace {

// Feeds `input` and returns one entry per finished reply: "code:line|line".
std::vector<std::string> replies(std::string_view input, const SmtpLimits& limits = {}) {
  LineAssembler lines(limits.max_reply_line);
  ReplyParser parser(limits);
  std::vector<std::string> out;
  while (!input.empty()) {
    bool ready = false;
    input.remove_prefix(lines.feed(input, ready));
    if (!ready) continue;
    const auto result = parser.on_piece(lines.piece());
    if (result == ReplyParser::Result::Malformed) out.push_back("malformed");
    if (result != ReplyParser::Result::Complete) continue;
    std::string text = std::to_string(parser.code()) + ":";
    for (uint32_t i = 0; i < parser.line_count(); ++i)
      text += (i ? "|" : "") + std::string(parser.line_text(i));
    out.push_back(text);
  }
  return out;
}

TEST(ReplyParser, SingleAndMultiLine) {
  EXPECT_EQ(replies("220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE 100\r\n354\r\n"),
            (std::vector<std::string>{"220:mx ESMTP", "250:mx|PIPELINING|SIZE 100", "354:"}));
}

TEST(ReplyParser, EnhancedStatus) {
  LineAssembler lines(64);
  ReplyParser parser(SmtpLimits{});
  bool ready = false;
  lines.feed("550 5.7.1 Rejected\r\n", ready);
  ASSERT_TRUE(ready);
  ASSERT_EQ(parser.on_piece(lines.piece()), ReplyParser::Result::Complete);
  EXPECT_EQ(parser.code(), 550);
  EXPECT_EQ(parser.status().klass, 5);
  EXPECT_EQ(parser.status().subject, 7);
  EXPECT_EQ(parser.status().detail, 1);
  lines.feed("250 Ok\r\n", ready);
  ASSERT_EQ(parser.on_piece(lines.piece()), ReplyParser::Result::Complete);
  EXPECT_EQ(parser.status().klass, 0);
}

TEST(ReplyParser, MalformedLinesAreReportedAndSkipped) {
  EXPECT_EQ(replies("hello\r\n25 x\r\n250x\r\n250-a\r\nxyz\r\n221 bye\r\n"),
            (std::vector<std::string>{"malformed", "malformed", "malformed", "malformed",
                                      "221:bye"}));
}

TEST(ReplyParser, TextIsSanitisedAndBounded) {
  SmtpLimits limits;
  limits.max_reply_text = 8;
  EXPECT_EQ(replies("220 a\x1b[2Jb\x01\x7f" "cdefgh\r\n", limits),
            (std::vector<std::string>{"220:a?[2Jb??"}));
}

TEST(ReplyParser, LineCountIsBoundedButReplyStillEnds) {
  SmtpLimits limits;
  limits.max_reply_lines = 2;
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "250-line" + std::to_string(i) + "\r\n";
  input += "250 end\r\n";
  EXPECT_EQ(replies(input, limits), (std::vector<std::string>{"250:line0|line1"}));
}

TEST(ReplyParser, OverLongLineKeepsItsCode) {
  SmtpLimits limits;
  limits.max_reply_line = 16;
  limits.max_reply_text = 8;
  EXPECT_EQ(replies("250 " + std::string(100, 'x') + "\r\n", limits),
            (std::vector<std::string>{"250:xxxxxxxx"}));
}

}  // namespace
}  // namespace sluice::smtp
