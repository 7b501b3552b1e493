// tests/adversarial/limits/long_lines_test.cc — THREATS.md RES-6 (long text lines in DATA) through the live relay:
// with `long-line-action pass` every line reaches the backend whole (never split: that would break DKIM), with
// `reject` a line over `max-line-length` is refused with 552 5.3.4 and the backend gets no message.
// May call: the conversation harness (relay_conversation.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/adversarial/limits/relay_conversation.h"

namespace sluice::testing {
namespace {

// One line of `length` text bytes (CRLF not counted, as `max-line-length` counts).
std::string line_of(size_t length, char fill) { return std::string(length, fill) + "\r\n"; }

std::string headers() { return "From: <a@client.example>\r\nTo: <b@mx.example>\r\nSubject: long lines\r\n\r\n"; }

LimitsConfig lines_config(const char* action, uint32_t max_line_length) {
  return {.protocol_options = "  set max-line-length " + std::to_string(max_line_length) +
                              "\n  set long-line-action " + action + "\n  set hold-limit 256\n"};
}

TEST(Res6LongLines, LinesAroundTheLimitReachTheBackendWholeWhenTheActionIsPass) {
  RelayConversation c(limits_config(lines_config("pass", 2048)));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(c.start_message());
  std::string content = headers();
  for (size_t n : {999u, 1000u, 1001u, 2048u, 2049u}) content += line_of(n, 'a' + n % 7);
  const std::string reply = c.exchange(content + ".\r\n");
  EXPECT_EQ(reply, "250 2.0.0 Ok: queued as 1\r\n") << "the client hears the backend's own acceptance";
  ASSERT_EQ(c.backend().messages.size(), 1u);
  EXPECT_EQ(c.backend().messages[0], content) << "every line byte for byte, none split";
}

TEST(Res6LongLines, OneMegabyteLineStreamsToTheBackendWholeWhenTheActionIsPass) {
  RelayConversation c(limits_config(lines_config("pass", 2048)));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(c.start_message());
  const std::string content = headers() + line_of(1 << 20, 'x') + "after\r\n";
  const std::string reply = c.exchange(content + ".\r\n", 60);
  EXPECT_EQ(reply, "250 2.0.0 Ok: queued as 1\r\n");
  ASSERT_EQ(c.backend().messages.size(), 1u);
  EXPECT_EQ(c.backend().messages[0].size(), content.size());
  EXPECT_TRUE(c.backend().messages[0] == content) << "the 1 MB line arrived unsplit and unchanged";
  ASSERT_EQ(c.records().size(), 1u);
  const std::vector<std::string>& flags = c.records()[0].flags;
  EXPECT_NE(std::find(flags.begin(), flags.end(), "long_line"), flags.end()) << "passed, but logged";
}

TEST(Res6LongLines, LineOverTheLimitIsRefusedWith552AndTheBackendGetsNoMessage) {
  RelayConversation c(limits_config(lines_config("reject", 1000)));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(c.start_message());
  const std::string fits = headers() + line_of(999, 'a') + line_of(1000, 'b');
  EXPECT_EQ(c.exchange(fits + ".\r\n"), "250 2.0.0 Ok: queued as 1\r\n") << "1000 text bytes is the limit itself";
  ASSERT_EQ(c.backend().messages.size(), 1u);
  EXPECT_EQ(c.backend().messages[0], fits);

  ASSERT_TRUE(c.start_message());
  const std::string reply = c.exchange(headers() + line_of(1001, 'c') + ".\r\n");
  EXPECT_TRUE(reply.starts_with("552 5.3.4 ")) << reply;
  EXPECT_NE(reply.find("smtp:long_line"), std::string::npos) << reply;
  EXPECT_EQ(c.backend().messages.size(), 1u) << "the refused message never reached the backend";
  EXPECT_EQ(c.backend().raw.find(std::string(1001, 'c')), std::string::npos);
}

TEST(Res6LongLines, OneMegabyteLineIsRefusedAndTheStreamedPartNeverEndsAtTheBackend) {
  RelayConversation c(limits_config(lines_config("reject", 2048)));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(c.start_message());
  const std::string reply = c.exchange(headers() + line_of(1 << 20, 'y') + ".\r\n", 60);
  EXPECT_TRUE(reply.starts_with("552 5.3.4 ")) << reply;
  c.settle(0.2);
  EXPECT_TRUE(c.backend().messages.empty()) << "no end of data reached the backend, so it stores nothing";
  EXPECT_EQ(c.backend().raw.find("\r\n.\r\n"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
