// Tests of the SMTP relay's command side: banner, EHLO mediation, envelope commands, local replies in order.
#include <gtest/gtest.h>

#include "tests/unit/smtp/relay_harness.h"

namespace sluice::smtp::test {
namespace {

TEST(RelayCommands, BannerGoesOutAtOnceAndClientWaitsForIt) {
  RelayHarness h;
  h.client("EHLO early\r\n");   // pre-greeting talk stays queued
  EXPECT_EQ(h.take_server(), "");
  h.server("220 mx.example ESMTP\r\n");
  EXPECT_EQ(h.take_client(), "220 mx.example ESMTP\r\n");
  EXPECT_EQ(h.take_server(), "EHLO early\r\n");
}

TEST(RelayCommands, EhloOffersOnlyWhatTheRelayHonours) {
  RelayConfig config = RelayHarness::default_config();
  config.ehlo.size_limit = 10485760;
  RelayHarness h(config);
  h.server("220 mx\r\n");
  h.client("EHLO c\r\n");
  h.server("250-mx.example\r\n250-PIPELINING\r\n250-SIZE 67108864\r\n250-STARTTLS\r\n250-XCLIENT NAME ADDR\r\n"
           "250-BINARYMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-X-WEIRD\r\n250 8BITMIME\r\n");
  EXPECT_EQ(h.take_client(),
            "220 mx\r\n250-mx.example\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
            "250-SIZE 10485760\r\n250 CHUNKING\r\n");
}

TEST(RelayCommands, RemovedLastCapabilityStillEndsTheReply) {   // ST-8
  RelayConfig config = RelayHarness::default_config();
  config.ehlo.chunking = false;
  RelayHarness h(config);
  h.server("220 mx\r\n");
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250 PIPELINING\r\n");
}

TEST(RelayCommands, CommandsAreReserialised) {
  RelayHarness h;
  h.server("220 mx\r\n");
  h.client("ehlo c\r\nmail from: <a@b> SIZE=10 BODY=8BITMIME\r\nRcpt To:u@p\r\nnoop whatever\r\n");
  h.server("250 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n");
  EXPECT_EQ(h.take_server(), "EHLO c\r\nMAIL FROM:<a@b> SIZE=10 BODY=8BITMIME\r\nRCPT TO:<u@p>\r\nNOOP\r\n");
}

TEST(RelayCommands, LocalRefusalKeepsPipelinedReplyOrder) {
  RelayHarness h;
  h.hooks.refuse_recipient = "x@elsewhere.example";
  h.hooks.rcpt_reply = {550, "5.7.1 <x@elsewhere.example>: Relay access denied"};
  h.server("220 mx\r\n");
  h.take_client();
  h.client("MAIL FROM:<a@b>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<u@p>\r\n");
  EXPECT_EQ(h.take_server(), "MAIL FROM:<a@b>\r\nRCPT TO:<u@p>\r\n");   // the refused one never leaves
  EXPECT_EQ(h.take_client(), "");   // the 550 waits for MAIL's reply
  h.server("250 2.1.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.1.0 Ok\r\n550 5.7.1 <x@elsewhere.example>: Relay access denied\r\n");
  h.server("250 2.1.5 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.1.5 Ok\r\n");
}

TEST(RelayCommands, MailRefusedByHooksIsNotForwardedAndRcptNeedsMail) {
  RelayHarness h;
  h.hooks.mail_reply = {550, "5.7.1 <a@b>: Sender address rejected: Access denied"};
  h.server("220 mx\r\n");
  h.take_client();
  h.client("MAIL FROM:<a@b>\r\nRCPT TO:<u@p>\r\nDATA\r\n");
  EXPECT_EQ(h.take_server(), "");
  EXPECT_EQ(h.take_client(),
            "550 5.7.1 <a@b>: Sender address rejected: Access denied\r\n503 5.5.1 Error: need MAIL command\r\n"
            "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(RelayCommands, SizeParameterIsChecked) {   // RES-9
  RelayConfig config = RelayHarness::default_config();
  config.size_limit = 1000;
  RelayHarness h(config);
  h.server("220 mx\r\n");
  h.take_client();
  h.client("MAIL FROM:<a@b> SIZE=999999999999\r\nMAIL FROM:<a@b> SIZE=12x\r\nMAIL FROM:<a@b> SIZE=1000\r\n");
  EXPECT_EQ(h.take_server(), "MAIL FROM:<a@b> SIZE=1000\r\n");
  h.server("250 ok\r\n");
  EXPECT_EQ(h.take_client(),
            "552 5.3.4 Message size exceeds fixed limit\r\n501 5.5.4 Bad message size syntax\r\n250 ok\r\n");
}

TEST(RelayCommands, RecipientLimit) {   // RES-8
  RelayConfig config = RelayHarness::default_config();
  config.limits.max_recipients = 2;
  RelayHarness h(config);
  h.server("220 mx\r\n");
  h.client("MAIL FROM:<a@b>\r\nRCPT TO:<1@p>\r\nRCPT TO:<2@p>\r\nRCPT TO:<3@p>\r\n");
  h.server("250 ok\r\n250 ok\r\n250 ok\r\n");
  EXPECT_EQ(h.take_client(), "220 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n452 4.5.3 Error: too many recipients\r\n");
  EXPECT_EQ(h.take_server(), "MAIL FROM:<a@b>\r\nRCPT TO:<1@p>\r\nRCPT TO:<2@p>\r\n");
}

TEST(RelayCommands, BareLineEndsInCommandsAreOneMalformedLine) {   // SM-17
  RelayHarness h;
  h.server("220 mx\r\n");
  h.take_client();
  h.client("RCPT TO:<a@b>\nDATA\r\nMAIL FROM:<a@b>\rRCPT TO:<c@d>\r\n");
  EXPECT_EQ(h.take_server(), "");
  EXPECT_EQ(h.take_client(),
            "500 5.5.2 Error: bare <CR> or <LF> received\r\n500 5.5.2 Error: bare <CR> or <LF> received\r\n");
}

TEST(RelayCommands, LongCommandLineIsRefusedAndItsRestNeverRead) {   // RES-5
  RelayConfig config = RelayHarness::default_config();
  config.limits.max_command_line = 512;
  RelayHarness h(config);
  h.server("220 mx\r\n");
  h.take_client();
  h.client("NOOP " + std::string(70000, 'a') + "QUIT\r\nNOOP\r\n", 1000);
  EXPECT_EQ(h.take_server(), "NOOP\r\n");
  EXPECT_EQ(h.take_client(), "500 5.5.2 Error: line too long\r\n");
}

TEST(RelayCommands, XclientAndUnknownVerbsAreAnsweredLocally) {   // SM-20
  RelayHarness h;
  h.server("220 mx\r\n");
  h.take_client();
  h.client("XCLIENT ADDR=10.0.0.1\r\nXFORWARD NAME=x\r\nFROB\r\nMAIL FROM\r\nSTARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "");
  EXPECT_EQ(h.take_client(),
            "550 5.7.0 Error: insufficient authorization\r\n550 5.7.0 Error: insufficient authorization\r\n"
            "502 5.5.2 Error: command not recognized\r\n501 5.5.4 Syntax error in parameters or arguments\r\n"
            "502 5.5.1 Error: command not implemented\r\n");
}

TEST(RelayCommands, TooManyErrorsClose) {   // RES-11
  RelayConfig config = RelayHarness::default_config();
  config.max_errors = 3;
  RelayHarness h(config);
  h.server("220 mx\r\n");
  h.take_client();
  h.client("A\r\nB\r\nC\r\nNOOP\r\n");
  EXPECT_EQ(h.take_client(),
            "502 5.5.2 Error: command not recognized\r\n502 5.5.2 Error: command not recognized\r\n"
            "502 5.5.2 Error: command not recognized\r\n421 4.7.0 Error: too many errors\r\n");
  EXPECT_TRUE(h.relay.wants_close());
  EXPECT_EQ(h.take_server(), "");
}

TEST(RelayCommands, AuthExchangeForwardsTheSaslLine) {
  RelayHarness h;
  h.server("220 mx\r\n");
  h.take_client();
  h.client("AUTH LOGIN\r\ndXNlcg==\r\n");
  EXPECT_EQ(h.take_server(), "AUTH LOGIN\r\n");   // the next line waits: only a 334 makes it a SASL line
  h.server("334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(h.take_server(), "dXNlcg==\r\n");
  h.server("535 5.7.8 Error: authentication failed\r\n");
  EXPECT_EQ(h.take_client(), "334 VXNlcm5hbWU6\r\n535 5.7.8 Error: authentication failed\r\n");
}

TEST(RelayCommands, RelayedRepliesAreSanitisedAndBounded) {   // ST-14
  RelayHarness h;
  std::string banner;
  for (int i = 0; i < 1000; ++i) banner += "220-line " + std::to_string(i) + "\x1b[2J\r\n";
  banner += "220 end\r\n";
  h.server(banner);
  const std::string got = h.take_client();
  EXPECT_EQ(got.find('\x1b'), std::string::npos);
  size_t lines = 0;
  for (char c : got) lines += c == '\n';
  EXPECT_LE(lines, 32u);
  EXPECT_EQ(got.substr(got.rfind("\r\n", got.size() - 3) + 2, 4), "220 ");
}

TEST(RelayCommands, UnsolicitedBackend421IsRelayedAndCloses) {
  RelayHarness h;
  h.server("220 mx\r\n");
  h.take_client();
  h.server("421 4.4.2 mx Error: timeout exceeded\r\n");
  EXPECT_EQ(h.take_client(), "421 4.4.2 mx Error: timeout exceeded\r\n");
  EXPECT_TRUE(h.relay.wants_close());
}

TEST(RelayCommands, BackpressureWhenTheBackendDoesNotRead) {   // RES-4: bounded output, the rest stays in TCP
  RelayConfig config = RelayHarness::default_config();
  config.output_capacity = 32768;         // room for a relayed reply (the banner) and a bounded command queue
  config.hold_limit = 0;
  config.max_junk_commands = 100000;      // the flood must meet the full output, not the junk limit
  smtp::test::RecordingHooks hooks;
  SmtpRelay relay(config, hooks);
  relay.on_server_bytes("220 mx\r\n");
  ASSERT_FALSE(relay.waiting_for_backend()) << "the banner went out";
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "NOOP\r\n";
  const size_t used = relay.on_client_bytes(many);
  EXPECT_GT(used, 0u);
  EXPECT_LT(used, many.size());
  EXPECT_LE(relay.to_server().pending().size(), config.output_capacity);
  EXPECT_FALSE(relay.wants_close());
}

}  // namespace
}  // namespace sluice::smtp::test
