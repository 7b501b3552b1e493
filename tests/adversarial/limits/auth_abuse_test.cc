// tests/adversarial/limits/auth_abuse_test.cc — THREATS.md RES-12 (AUTH abuse) through the live relay. Sluice has no
// SASL-specific limit: a SASL response is a client line, bounded by `max-command-line` (set here to Postfix's
// smtpd_sasl_response_limit, 12288). Failed AUTHs are answered by the backend; the appliance, which the backend
// cannot rate-limit behind (THREATS §5), must end a session after `max-errors` of them.
// May call: the conversation harness (relay_conversation.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/adversarial/limits/relay_conversation.h"

namespace sluice::testing {
namespace {

constexpr uint32_t kSaslLimit = 12288;
constexpr uint32_t kMaxErrors = 20;

LimitsConfig auth_config() {
  return {.protocol_options = "  set max-command-line " + std::to_string(kSaslLimit) + "\n  set max-errors " +
                              std::to_string(kMaxErrors) + "\n"};
}

// A backend that asks for a SASL response (334) and refuses every credential (535).
ScriptedBackend refusing_backend() {
  ScriptedBackend b;
  b.reply_to = [sasl = false](std::string_view line) mutable -> std::optional<std::string> {
    if (sasl) {
      sasl = false;
      return line == "*" ? "501 5.7.0 Authentication aborted\r\n" : "535 5.7.8 Error: authentication failed\r\n";
    }
    if (line.starts_with("AUTH LOGIN")) {
      sasl = true;
      return "334 VXNlcm5hbWU6\r\n";
    }
    if (line.starts_with("AUTH ")) return "535 5.7.8 Error: authentication failed\r\n";
    return std::nullopt;
  };
  return b;
}

size_t longest_backend_line(const BackendLog& log) {
  size_t longest = 0;
  for (const std::string& l : log.commands) longest = std::max(longest, l.size());
  return longest;
}

TEST(Res12AuthAbuse, OversizedInitialResponseIsRefusedAndNeverForwarded) {
  RelayConversation c(limits_config(auth_config()), refusing_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));
  EXPECT_EQ(c.exchange("AUTH PLAIN " + std::string(20000, 'Q') + "\r\n"), "500 5.5.2 Error: line too long\r\n");
  EXPECT_EQ(c.exchange("NOOP\r\n"), "250 2.1.0 Ok\r\n") << "the rest of the long line was not read as a command";
  EXPECT_EQ(c.backend().commands, (std::vector<std::string>{"EHLO client.example", "NOOP"}));
}

TEST(Res12AuthAbuse, OversizedSaslResponseIsRefusedAndTheExchangeDoesNotSwallowTheNextCommand) {
  RelayConversation c(limits_config(auth_config()), refusing_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));
  EXPECT_EQ(c.exchange("AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
  const std::string reply = c.exchange(std::string(20000, 'Q') + "\r\n");
  EXPECT_TRUE(reply.starts_with("500 5.5.2 ") || reply.starts_with("501 ")) << reply;
  EXPECT_LE(longest_backend_line(c.backend()), kSaslLimit) << "the 20,000-byte response never reached the backend";
  // The backend still waits for a SASL response: the relay must end that exchange (RFC 4954 "*"), not hand it the
  // client's next command as credentials.
  EXPECT_EQ(c.exchange("NOOP\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_NE(std::find(c.backend().commands.begin(), c.backend().commands.end(), "NOOP"), c.backend().commands.end())
      << "NOOP reached the backend as a command";
}

TEST(Res12AuthAbuse, HundredFailedAuthsEndTheSessionAfterMaxErrors) {
  RelayConversation c(limits_config(auth_config()), refusing_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));
  int refused = 0;
  bool closed_with_421 = false;
  for (int i = 0; i < 100; ++i) {
    const std::string reply = c.exchange("AUTH PLAIN AGF0dGFja2VyAHB3" + std::to_string(i) + "\r\n", 2);
    if (reply.starts_with("535")) ++refused;
    if (reply.find("421 4.7.0") != std::string::npos) {
      closed_with_421 = true;
      break;
    }
    if (reply.empty()) break;
  }
  const auto auths = std::count_if(c.backend().commands.begin(), c.backend().commands.end(),
                                   [](const std::string& l) { return l.starts_with("AUTH "); });
  EXPECT_TRUE(closed_with_421) << "after " << refused << " refused AUTHs the session is still open";
  EXPECT_LE(auths, static_cast<long>(kMaxErrors)) << "AUTH attempts that reached the backend";
}

}  // namespace
}  // namespace sluice::testing
