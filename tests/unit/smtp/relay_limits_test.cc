// Tests of the SMTP relay's limits on abusive loops (THREATS.md RES-4, RES-8, RES-11): junk commands
// (`max_junk_commands`, Postfix smtpd_junk_command_limit) and recipients refused past the recipient limit
// (`max_recipient_overshoot`, Postfix smtpd_recipient_overshoot_limit), which past their allowance count towards
// `max_errors` (RelayCommands.TooManyErrorsClose pins its 421); and replies a client leaves unread, which the
// owner's command-timeout bounds.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/smtp/relay_harness.h"

namespace sluice::smtp::test {
namespace {

constexpr std::string_view kTooManyErrors = "421 4.7.0 Error: too many errors\r\n";
constexpr std::string_view kTooManyRecipients = "452 4.5.3 Error: too many recipients\r\n";

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

RelayConfig junk_config(uint32_t max_junk, uint32_t max_errors) {
  RelayConfig config = RelayHarness::default_config();
  config.max_junk_commands = max_junk;
  config.max_errors = max_errors;
  return config;
}

TEST(RelayLimits, JunkBeyondTheLimitCountsAsErrorsThenTheSessionCloses) {   // RES-11
  RelayHarness h(junk_config(3, 2));
  h.server("220 mx\r\n");
  h.take_client();
  h.client("NOOP\r\nNOOP\r\nNOOP\r\nRSET\r\nVRFY u\r\nNOOP\r\nMAIL FROM:<a@b>\r\n");
  // Three are free; RSET is the first error, VRFY the second and last: it is still forwarded and answered (as in
  // Postfix), then 421. Nothing after it is read.
  EXPECT_EQ(h.take_server(), "NOOP\r\nNOOP\r\nNOOP\r\nRSET\r\nVRFY u\r\n");
  h.server(repeat("250 2.0.0 Ok\r\n", 5));
  EXPECT_EQ(h.take_client(), repeat("250 2.0.0 Ok\r\n", 5) + std::string(kTooManyErrors));
  EXPECT_TRUE(h.relay.wants_close());
  EXPECT_EQ(h.take_server(), "");
}

TEST(RelayLimits, EveryJunkVerbCounts) {   // HELO, EHLO, HELP, EXPN, VRFY, RSET, NOOP
  RelayHarness h(junk_config(6, 1));
  h.server("220 mx\r\n");
  h.take_client();
  h.client("EHLO a\r\nHELO b\r\nHELP\r\nEXPN list\r\nVRFY u\r\nRSET\r\n");
  h.server("250 mx\r\n250 mx\r\n214 see RFC 5321\r\n252 2.0.0 maybe\r\n252 2.0.0 maybe\r\n250 2.0.0 Ok\r\n");
  EXPECT_FALSE(h.relay.wants_close()) << "six junk commands are within the limit";
  h.take_client();
  h.client("NOOP\r\nNOOP\r\n");
  EXPECT_EQ(h.take_server(), "EHLO a\r\nHELO b\r\nHELP\r\nEXPN list\r\nVRFY u\r\nRSET\r\nNOOP\r\n");
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.0.0 Ok\r\n" + std::string(kTooManyErrors));
  EXPECT_TRUE(h.relay.wants_close());
}

TEST(RelayLimits, CommandsThatDoWorkAreNotJunk) {
  RelayHarness h(junk_config(1, 1));
  h.server("220 mx\r\n");
  h.take_client();
  h.client("MAIL FROM:<a@b>\r\nRCPT TO:<u@p>\r\nRCPT TO:<v@p>\r\nRCPT TO:<w@p>\r\n");
  h.server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.1.0 Ok\r\n" + repeat("250 2.1.5 Ok\r\n", 3));
  EXPECT_FALSE(h.relay.wants_close());
}

TEST(RelayLimits, JunkCountRestartsWhenAMessageIsDelivered) {   // as Postfix: only a client that sends no mail loops
  RelayHarness h(junk_config(3, 1));
  h.open_transaction();   // its EHLO is the first junk command
  h.client("NOOP\r\nNOOP\r\n");
  h.server("250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
  h.client("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(h.take_server(), "NOOP\r\nNOOP\r\nBDAT 18 LAST\r\nSubject: x\r\n\r\nhi\r\n");
  h.server("250 2.0.0 Ok: queued as A\r\n");
  h.take_client();
  h.client("NOOP\r\nNOOP\r\nNOOP\r\n");
  h.server(repeat("250 2.0.0 Ok\r\n", 3));
  EXPECT_EQ(h.take_client(), repeat("250 2.0.0 Ok\r\n", 3)) << "three more junk commands after a delivery are free";
  h.client("NOOP\r\n");
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.0.0 Ok\r\n" + std::string(kTooManyErrors));
}

TEST(RelayLimits, TenThousandNoopsAtTheDefaultsReachTheBackendAHundredAndTwentyTimes) {   // RES-11
  RelayHarness h;   // max_junk_commands 100, max_errors 20
  h.server("220 mx\r\n");
  h.take_client();
  h.client(repeat("NOOP\r\n", 10000));
  EXPECT_EQ(h.take_server(), repeat("NOOP\r\n", 120));
  h.server(repeat("250 2.0.0 Ok\r\n", 120));
  EXPECT_EQ(h.take_client(), repeat("250 2.0.0 Ok\r\n", 120) + std::string(kTooManyErrors));
  EXPECT_TRUE(h.relay.wants_close());
}

RelayConfig overshoot_config(uint32_t max_recipients, uint32_t overshoot, uint32_t max_errors) {
  RelayConfig config = RelayHarness::default_config();
  config.limits.max_recipients = max_recipients;
  config.max_recipient_overshoot = overshoot;
  config.max_errors = max_errors;
  return config;
}

TEST(RelayLimits, RecipientsBeyondTheOvershootCountAsErrorsThenTheSessionCloses) {   // RES-8
  RelayHarness h(overshoot_config(2, 2, 2));
  h.server("220 mx\r\n");
  h.take_client();
  std::string rcpts;
  for (int i = 1; i <= 7; ++i) rcpts += "RCPT TO:<" + std::to_string(i) + "@p>\r\n";
  h.client("MAIL FROM:<a@b>\r\n" + rcpts);
  EXPECT_EQ(h.take_server(), "MAIL FROM:<a@b>\r\nRCPT TO:<1@p>\r\nRCPT TO:<2@p>\r\n");
  h.server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
  // 3 and 4 are the free overshoot; 5 and 6 are errors one and two, so 421 follows 6's 452; 7 is never read.
  EXPECT_EQ(h.take_client(),
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n" + repeat(kTooManyRecipients, 4) + std::string(kTooManyErrors));
  EXPECT_TRUE(h.relay.wants_close());
}

TEST(RelayLimits, OvershootIsCountedPerTransaction) {   // Postfix resets it with the recipients
  RelayHarness h(overshoot_config(1, 1, 1));
  h.server("220 mx\r\n");
  h.take_client();
  h.client("MAIL FROM:<a@b>\r\nRCPT TO:<1@p>\r\nRCPT TO:<2@p>\r\nRSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<3@p>\r\n"
           "RCPT TO:<4@p>\r\n");
  h.server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" + std::string(kTooManyRecipients) +
                                 "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" + std::string(kTooManyRecipients));
  EXPECT_FALSE(h.relay.wants_close());
  h.client("RCPT TO:<5@p>\r\n");
  EXPECT_EQ(h.take_client(), std::string(kTooManyRecipients) + std::string(kTooManyErrors));
  EXPECT_TRUE(h.relay.wants_close());
}

TEST(RelayLimits, ThousandRecipientsAtTheDefaultAndThe1001stIsRefused) {   // RES-8, RFC 5321 4.5.3.1.8
  RelayHarness h;   // max_recipients 1000, max_recipient_overshoot 1000
  h.server("220 mx\r\n");
  h.take_client();
  std::string rcpts;
  for (int i = 0; i < 1001; ++i) rcpts += "RCPT TO:<u" + std::to_string(i) + "@p>\r\n";
  h.client("MAIL FROM:<a@b>\r\n" + rcpts);
  const std::string forwarded = h.take_server();
  EXPECT_TRUE(forwarded.ends_with("RCPT TO:<u999@p>\r\n"));
  EXPECT_EQ(forwarded.find("u1000@"), std::string::npos);
  h.server("250 2.1.0 Ok\r\n" + repeat("250 2.1.5 Ok\r\n", 1000));
  EXPECT_EQ(h.take_client(), "250 2.1.0 Ok\r\n" + repeat("250 2.1.5 Ok\r\n", 1000) + std::string(kTooManyRecipients));
  EXPECT_FALSE(h.relay.wants_close());
}

// RES-4: replies the client leaves unread are a command in progress for the owner's command-timeout; a time-out
// then drops them (a 421 behind them could never be delivered either) so both legs can close at once.
TEST(RelayLimits, UnreadRepliesAreACommandInProgressAndTheirTimeOutDropsThem) {
  RecordingHooks hooks;
  SmtpRelay relay(RelayHarness::default_config(), hooks);
  relay.on_server_bytes("220 mx\r\n");
  EXPECT_TRUE(relay.mid_command()) << "the banner waits unread";
  relay.to_client().consumed(relay.to_client().pending().size());
  EXPECT_FALSE(relay.mid_command());
  relay.on_client_bytes("NOOP\r\nNOOP\r\n");
  relay.on_server_bytes("250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
  EXPECT_TRUE(relay.mid_command());
  relay.time_out();
  EXPECT_TRUE(relay.to_client().empty());
  EXPECT_TRUE(relay.wants_close());
}

TEST(RelayLimits, ATimeOutWithNothingUnreadStillSays421) {   // RES-3 unchanged
  RecordingHooks hooks;
  SmtpRelay relay(RelayHarness::default_config(), hooks);
  relay.on_server_bytes("220 mx\r\n");
  relay.to_client().consumed(relay.to_client().pending().size());
  relay.on_client_bytes("NOO");
  EXPECT_TRUE(relay.mid_command());
  relay.time_out();
  EXPECT_EQ(relay.to_client().pending(), "421 4.4.2 Error: timeout exceeded\r\n");
  EXPECT_TRUE(relay.wants_close());
}

}  // namespace
}  // namespace sluice::smtp::test
