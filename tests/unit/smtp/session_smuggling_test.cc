// tests/unit/smtp/session_smuggling_test.cc — THREATS.md SM-1..SM-15 through
// the whole session: one message, the smuggled text kept as content, the
// message ending only at the real CR LF . CR LF.
#include <gtest/gtest.h>

#include <string>

#include "session_script.h"

namespace sluice::smtp::test {
namespace {

using namespace std::string_literals;

const std::string kHead = "From: a@ext.example\r\nSubject: one\r\n\r\nbody1";
const std::string kSmuggled =
    "MAIL FROM:<ceo@protected.example>\r\nRCPT TO:<u@protected.example>\r\nDATA\r\n"
    "From: ceo@protected.example\r\nSubject: smuggled\r\n\r\nbody2\r\n";

struct SmugglingCase {
  const char* name;
  std::string sequence;   // as sent
  std::string content;    // as passed on (a dot at a true line start is unstuffed)
  uint32_t flags;
};

void PrintTo(const SmugglingCase& c, std::ostream* os) { *os << c.name; }

Recorder run_body(const std::string& body) {
  Script script = smuggling_prefix();
  script.push_back(client(body));
  script.push_back(server("250 2.0.0 Ok: queued as 1\r\n"));
  script.push_back(client("QUIT\r\n"));
  script.push_back(server("221 2.0.0 Bye\r\n"));
  return run_both(script);
}

class Smuggling : public ::testing::TestWithParam<SmugglingCase> {};

TEST_P(Smuggling, SequenceIsContentNotEndOfData) {
  const SmugglingCase& c = GetParam();
  const Recorder r = run_body(kHead + c.sequence + kSmuggled + ".\r\n");
  ASSERT_EQ(r.messages.size(), 1u);
  const RecordedMessage& m = r.messages[0];
  EXPECT_EQ(m.content, kHead + c.content + kSmuggled);
  EXPECT_EQ(m.end.size, m.content.size());
  EXPECT_TRUE(m.end.complete);
  EXPECT_EQ(m.end.final_reply_code, 250);
  EXPECT_EQ(m.end.flags, c.flags | flag_bit(SessionFlag::SmugglingSequence));
  EXPECT_EQ(r.session_flags, c.flags | flag_bit(SessionFlag::SmugglingSequence));
  EXPECT_EQ(r.message_count, 1u);
}

constexpr uint32_t kLf = static_cast<uint32_t>(SessionFlag::BareLf);
constexpr uint32_t kCr = static_cast<uint32_t>(SessionFlag::BareCr);
constexpr uint32_t kNul = static_cast<uint32_t>(SessionFlag::NulInData);

INSTANTIATE_TEST_SUITE_P(
    Sm1To12, Smuggling,
    ::testing::Values(
        SmugglingCase{"SM1", "\n.\n", "\n.\n", kLf},
        SmugglingCase{"SM2", "\n.\r\n", "\n.\r\n", kLf},
        SmugglingCase{"SM3", "\r\n.\n", "\r\n\n", kLf},
        SmugglingCase{"SM4", "\r.\r", "\r.\r", kCr},
        SmugglingCase{"SM5", "\r.\n", "\r.\n", kCr | kLf},
        SmugglingCase{"SM6", "\n.\r", "\n.\r", kLf | kCr},
        SmugglingCase{"SM7", "\r.\r\n", "\r.\r\n", kCr},
        SmugglingCase{"SM8", "\r\n.\r", "\r\n\r", kCr},
        SmugglingCase{"SM9", "\r\n.\r\r\n", "\r\n\r\r\n", kCr},
        SmugglingCase{"SM10", "\r\r\n.\r\r\n", "\r\r\n\r\r\n", kCr},
        SmugglingCase{"SM11", "\r\n\0.\r\n"s, "\r\n\0.\r\n"s, kNul},
        SmugglingCase{"SM12", "\r\n.\0\r\n"s, "\r\n\0\r\n"s, kNul}),
    [](const ::testing::TestParamInfo<SmugglingCase>& info) { return info.param.name; });

TEST(SmugglingSession, Sm13DotStuffingIsRemovedOnce) {
  const Recorder r = run_body("..\r\n..MAIL FROM:<x@y>\r\n.hidden\r\n.\r\n");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, ".\r\n.MAIL FROM:<x@y>\r\nhidden\r\n");
  EXPECT_EQ(r.messages[0].end.size, 29u);
  EXPECT_EQ(r.messages[0].end.flags, 0u);
}

TEST(SmugglingSession, Sm14TerminatorSplitAtEveryByte) {
  for (const std::string& body : {"hello\r\n.\r\n"s, ".\r\n"s}) {
    for (size_t split = 0; split <= body.size(); ++split) {
      Script script = smuggling_prefix();
      script.push_back(client(body.substr(0, split)));
      script.push_back(client(body.substr(split)));
      script.push_back(server("250 ok\r\n"));
      const Recorder r = run_both(script);
      ASSERT_EQ(r.messages.size(), 1u) << split;
      EXPECT_EQ(r.messages[0].content, body.substr(0, body.size() - 3)) << split;
      EXPECT_TRUE(r.messages[0].end.complete) << split;
      EXPECT_EQ(r.messages[0].end.final_reply_code, 250) << split;
      EXPECT_EQ(r.messages[0].end.flags, 0u) << split;
    }
  }
}

TEST(SmugglingSession, Sm14EmptyBodyInTheDataWrite) {
  Script script = smuggling_prefix();
  script.erase(script.end() - 2, script.end());  // DATA and 354 sent below
  script.push_back(client("DATA\r\n.\r\n"));
  script.push_back(server("354 go\r\n250 ok\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "");
  EXPECT_EQ(r.messages[0].end.size, 0u);
  EXPECT_TRUE(r.messages[0].end.complete);
}

TEST(SmugglingSession, Sm15DotAfterLineChopIsNeverALineStart) {
  for (const size_t n : {998u, 999u, 1000u, 2047u, 2048u, 2049u}) {
    const std::string line(n, 'A');
    const std::string rest = ".\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<u@p>\r\n";
    Script script = smuggling_prefix();
    script.push_back(client(line));  // the dot is the first byte of a write
    script.push_back(client(rest + ".\r\n"));
    script.push_back(server("250 ok\r\n"));
    const Recorder r = run_both(script);
    ASSERT_EQ(r.messages.size(), 1u) << n;
    EXPECT_EQ(r.messages[0].content, line + rest) << n;
    const uint32_t expected = n + 1 > 2048 ? flag_bit(SessionFlag::LongLine) : 0u;
    EXPECT_EQ(r.messages[0].end.flags, expected) << n;
    EXPECT_EQ(r.message_count, 1u) << n;
  }
}

}  // namespace
}  // namespace sluice::smtp::test
