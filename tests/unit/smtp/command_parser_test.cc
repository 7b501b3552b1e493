// tests/unit/smtp/command_parser_test.cc — verbs, paths, ESMTP parameters,
// BDAT arguments, and the tolerance real clients need.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/smtp/command_parser.h"

namespace sluice::smtp {
namespace {

std::vector<std::string> params_of(const Command& c) {
  return {c.params.begin(), c.params.end()};
}

TEST(CommandParser, MailWithParameters) {
  CommandParser parser;
  const Command c = parser.parse("MAIL FROM:<a@x.example> SIZE=1234 BODY=8BITMIME");
  EXPECT_EQ(c.verb, Verb::Mail);
  EXPECT_EQ(c.argument, "a@x.example");
  EXPECT_EQ(params_of(c), (std::vector<std::string>{"SIZE=1234", "BODY=8BITMIME"}));
}

TEST(CommandParser, TrexMixedCaseAndSpaceAfterColon) {
  CommandParser parser;
  const Command mail = parser.parse("Mail From:<user1@from.com>");
  EXPECT_EQ(mail.verb, Verb::Mail);
  EXPECT_EQ(mail.argument, "user1@from.com");
  const Command rcpt = parser.parse("Rcpt To: <user1@to.com>");
  EXPECT_EQ(rcpt.verb, Verb::Rcpt);
  EXPECT_EQ(rcpt.argument, "user1@to.com");
  EXPECT_TRUE(rcpt.params.empty());
}

TEST(CommandParser, NullSenderAndPathWithoutBrackets) {
  CommandParser parser;
  EXPECT_EQ(parser.parse("MAIL FROM:<>").argument, "");
  EXPECT_EQ(parser.parse("MAIL FROM:<>").verb, Verb::Mail);
  const Command bare = parser.parse("rcpt to:u@p.example NOTIFY=NEVER");
  EXPECT_EQ(bare.verb, Verb::Rcpt);
  EXPECT_EQ(bare.argument, "u@p.example");
  EXPECT_EQ(params_of(bare), (std::vector<std::string>{"NOTIFY=NEVER"}));
}

TEST(CommandParser, BrokenSyntaxIsUnknown) {
  CommandParser parser;
  EXPECT_EQ(parser.parse("MAIL TO:<a@b>").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("MAIL FROM:<a@b").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("RCPT TO:").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("DATA now").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("STARTTLS foo").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("EHLO").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("XYZZY").verb, Verb::Unknown);
  EXPECT_EQ(parser.parse("").verb, Verb::Unknown);
}

TEST(CommandParser, SimpleVerbsAnyCase) {
  CommandParser parser;
  EXPECT_EQ(parser.parse("data").verb, Verb::Data);
  EXPECT_EQ(parser.parse("Quit").verb, Verb::Quit);
  EXPECT_EQ(parser.parse("rSeT").verb, Verb::Rset);
  EXPECT_EQ(parser.parse("StartTLS").verb, Verb::Starttls);
  const Command helo = parser.parse("HELO from.com");
  EXPECT_EQ(helo.verb, Verb::Helo);
  EXPECT_EQ(helo.argument, "from.com");
  EXPECT_EQ(parser.parse("AUTH PLAIN AGEAYg==").argument, "PLAIN AGEAYg==");
}

TEST(CommandParser, BdatArguments) {
  CommandParser parser;
  Command c = parser.parse("BDAT 62 LAST");
  EXPECT_EQ(c.verb, Verb::Bdat);
  EXPECT_EQ(c.bdat_size, 62u);
  EXPECT_TRUE(c.bdat_last);
  c = parser.parse("bdat 0");
  EXPECT_EQ(c.verb, Verb::Bdat);
  EXPECT_EQ(c.bdat_size, 0u);
  EXPECT_FALSE(c.bdat_last);
  EXPECT_EQ(parser.parse("BDAT 9999999999999999999").bdat_size, 9999999999999999999ull);
  // RES-10: counts that cannot be trusted are malformed.
  for (const char* bad : {"BDAT 18446744073709551616", "BDAT -1", "BDAT 1e9", "BDAT 10 FOO",
                          "BDAT", "BDAT LAST", "BDAT 10LAST"}) {
    EXPECT_EQ(parser.parse(bad).verb, Verb::Unknown) << bad;
  }
}

}  // namespace
}  // namespace sluice::smtp
