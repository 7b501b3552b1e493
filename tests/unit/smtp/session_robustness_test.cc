// tests/unit/smtp/session_robustness_test.cc — broken dialogues: SM-17/18,
// Desync, gaps, close, limits, non-SMTP input and a byte soup.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session_script.h"

namespace sluice::smtp::test {
namespace {

using Strings = std::vector<std::string>;

TEST(SessionRobustness, Sm17BareLfInCommandIsOneMalformedCommand) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250 mx\r\n"),
      client("MAIL FROM:<a@b>\r\n"),
      server("250 ok\r\n"),
      client("RCPT TO:<a@b>\nDATA\r\n"),
      server("500 5.5.2 Error: bad syntax\r\n"),
      client("MAIL FROM:<a@b>\rRCPT TO:<c@d>\r\n"),
      server("500 5.5.2 Error: bad syntax\r\n"),
      client("NOOP\r\n"),
      server("250 ok\r\n"),
  });
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.session_flags, bits({SessionFlag::BareLf, SessionFlag::BareCr,
                                   SessionFlag::UnknownCommand}));
}

TEST(SessionRobustness, Sm18CommandsAfterRefusedDataAreCommands) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250-mx\r\n250 PIPELINING\r\n"),
      client("MAIL FROM:<a@x>\r\nRCPT TO:<nosuchuser@p>\r\nDATA\r\n"
             "MAIL FROM:<ceo@p>\r\nRCPT TO:<u@p>\r\nDATA\r\n"
             "From: ceo@p\r\n\r\nbody2\r\n.\r\n"),
      server("250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n"
             "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].begin_envelope.mail_from, "ceo@p");
  EXPECT_EQ(r.messages[0].begin_envelope.rcpt_to, (Strings{"u@p"}));
  EXPECT_EQ(r.messages[0].content, "From: ceo@p\r\n\r\nbody2\r\n");
  EXPECT_EQ(r.messages[0].end.final_reply_code, 250);
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::Pipelining));
}

TEST(SessionRobustness, ServerReplyMidBodyIsDesync) {
  Script script = smuggling_prefix();
  script.push_back(client("line1\r\n"));
  script.push_back(server("250 2.0.0 Ok: queued\r\n"));
  script.push_back(client("MAIL FROM:<x@y>\r\n"));
  script.push_back(server("250 ok\r\n"));
  script.push_back(client("RCPT TO:<z@y>\r\n"));
  script.push_back(server("250 ok\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  const RecordedMessage& m = r.messages[0];
  EXPECT_EQ(m.content, "line1\r\n");
  EXPECT_FALSE(m.end.complete);
  EXPECT_EQ(m.end.final_reply_code, 250);
  EXPECT_EQ(m.end.flags, flag_bit(SessionFlag::Desync));
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::Desync));
  EXPECT_EQ(r.events.back(), "end 250");
}

TEST(SessionRobustness, GapInDataMarksTruncated) {
  Script script = smuggling_prefix();
  script.push_back(client("part1\r\n"));
  script.push_back(client_gap(100));
  script.push_back(client("part2\r\n.\r\n"));
  script.push_back(server("250 ok\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "part1\r\npart2\r\n");
  EXPECT_TRUE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.flags, flag_bit(SessionFlag::Truncated));
}

TEST(SessionRobustness, GapSwallowingTheTerminatorIsNotDesync) {
  Script script = smuggling_prefix();
  script.push_back(client("part1\r\n"));
  script.push_back(client_gap(5));
  script.push_back(server("250 ok\r\n"));
  script.push_back(client("QUIT\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_FALSE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.final_reply_code, 250);
  EXPECT_EQ(r.messages[0].end.flags, flag_bit(SessionFlag::Truncated));
}

TEST(SessionRobustness, CloseInDataIsTruncatedWithoutReply) {
  Script script = smuggling_prefix();
  script.push_back(client("part1\r\npar"));
  script.push_back(close_connection());
  script.push_back(client("t2\r\n.\r\n"));
  script.push_back(server("250 ok\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "part1\r\npar");
  EXPECT_FALSE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.final_reply_code, 0);
  EXPECT_EQ(r.messages[0].end.flags, flag_bit(SessionFlag::Truncated));
}

TEST(SessionRobustness, CloseBeforeFinalReplyKeepsCompleteMessage) {
  Script script = smuggling_prefix();
  script.push_back(client("x\r\n.\r\n"));
  script.push_back(close_connection());
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_TRUE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.final_reply_code, 0);
  EXPECT_EQ(r.messages[0].end.flags, 0u);
}

TEST(SessionRobustness, GapInCommandsResumesAtNextLine) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250 mx\r\n"),
      client("MAIL FR"),
      client_gap(9),
      client("junk>\r\nMAIL FROM:<b@x>\r\n"),
      server("250 ok\r\n"),
      client("RCPT TO:<u@p>\r\n"),
      server("250 ok\r\n"),
      client("DATA\r\n"),
      server("354 go\r\n"),
      client("x\r\n.\r\n"),
      server("250 ok\r\n"),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].begin_envelope.mail_from, "b@x");
  EXPECT_EQ(r.session_flags, 0u);
}

TEST(SessionRobustness, ServerGapResumesAtNextReplyLine) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250-mx\r\n250-PIPE"),
      server_gap(20),
      server("LINING\r\n250 SIZE 1\r\n"),
      client("NOOP\r\n"),
      server("250 ok\r\n"),
  });
  // The lines before the gap are lost: the EHLO is answered by "250 SIZE 1"
  // alone, and the NOOP by its own 250.
  EXPECT_EQ(r.events, (Strings{"greeting 220 mx", "capabilities 0"}));
  EXPECT_TRUE(r.capabilities.empty());
  EXPECT_EQ(r.session_flags, 0u);
}

TEST(SessionRobustness, ClientBeforeBannerIsPreGreeting) {
  const Recorder r = run_both({
      client("EHLO early\r\n"),
      server("220 mx\r\n250 mx\r\n"),
  });
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::PreGreeting));
  EXPECT_TRUE(r.looks_like_smtp);
}

TEST(SessionRobustness, MidStreamPickUpMatchesRepliesToCommands) {
  // The capture starts after the banner: the first reply answers MAIL, it is not a greeting.
  const Recorder r = run_both({
      client("MAIL FROM:<late@x>\r\nRCPT TO:<u@p>\r\nDATA\r\n"),
      server("250 ok\r\n250 ok\r\n354 go\r\n"),
      client("hello\r\n.\r\n"),
      server("250 queued\r\n"),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].end_envelope.mail_from, "late@x");
  EXPECT_EQ(r.messages[0].end_envelope.rcpt_to, std::vector<std::string>{"u@p"});
  EXPECT_EQ(r.messages[0].content, "hello\r\n");
  EXPECT_EQ(r.messages[0].end.final_reply_code, 250);
}

TEST(SessionRobustness, HeldBytesOverflowBecomesTruncation) {
  SmtpLimits limits;
  limits.max_held_bytes = 16;
  Script script = smuggling_prefix();
  script.erase(script.end() - 2, script.end());
  script.push_back(client("DATA\r\n0123456789abcdefXYZ\r\n.\r\n"));
  script.push_back(server("354 go\r\n250 ok\r\n"));
  const Recorder r = run_both(script, limits);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "0123456789abcdef");
  EXPECT_FALSE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.flags, flag_bit(SessionFlag::Truncated));
}

TEST(SessionRobustness, RecipientLimit) {
  SmtpLimits limits;
  limits.max_recipients = 2;
  Script script = {server("220 mx\r\n"), client("HELO c\r\n"), server("250 mx\r\n"),
                   client("MAIL FROM:<a@x>\r\n"), server("250 ok\r\n")};
  for (const char* who : {"r1", "r2", "r3"}) {
    script.push_back(client(std::string("RCPT TO:<") + who + "@p>\r\n"));
    script.push_back(server("250 ok\r\n"));
  }
  script.push_back(client("DATA\r\n"));
  script.push_back(server("354 go\r\n"));
  script.push_back(client(".\r\n"));
  script.push_back(server("250 ok\r\n"));
  const Recorder r = run_both(script, limits);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].end_envelope.rcpt_to, (Strings{"r1@p", "r2@p"}));
  EXPECT_EQ(r.messages[0].end.flags, flag_bit(SessionFlag::TooManyRecipients));
}

TEST(SessionRobustness, PipelineLimitFlagsDesync) {
  SmtpLimits limits;
  limits.max_pipelined_commands = 2;
  const Recorder r = run_both({server("220 mx\r\n"), client("NOOP\r\nNOOP\r\nNOOP\r\n")}, limits);
  EXPECT_EQ(r.session_flags, bits({SessionFlag::Pipelining, SessionFlag::Desync}));
}

TEST(SessionRobustness, LongCommandIsOneCommand) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250 mx\r\n"),
      client("MAIL FROM:<" + std::string(5000, 'a') + "@x>\r\n"),
      server("500 5.5.2 Error: line too long\r\n"),
      client("MAIL FROM:<b@x>\r\n"),
      server("250 ok\r\n"),
      client("RCPT TO:<u@p>\r\nDATA\r\n"),
      server("250 ok\r\n354 go\r\n"),
      client(".\r\n"),
      server("250 ok\r\n"),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].begin_envelope.mail_from, "b@x");
  EXPECT_EQ(r.session_flags, bits({SessionFlag::LongCommand, SessionFlag::UnknownCommand,
                                   SessionFlag::Pipelining}));
}

TEST(SessionRobustness, HttpIsNotSmtp) {
  const Recorder r = run_both({
      client("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
  });
  EXPECT_FALSE(r.looks_like_smtp);
  EXPECT_TRUE(r.messages.empty());
}

TEST(SessionRobustness, ByteSoupNeverBreaksTheSession) {
  // A fixed pseudo-random mix of SMTP fragments and noise in both directions.
  const Strings fragments = {"MAIL FROM:<a@b>\r\n", "RCPT TO:<c@d>\r\n", "DATA\r\n", "BDAT 5",
                             " LAST\r\n", "\r\n.\r\n", ".", "\r", "\n", "250 ok\r\n", "354 go\r\n",
                             "250-x\r\n", "STARTTLS\r\n", "AUTH LOGIN\r\n", "334 x\r\n",
                             std::string(3000, 'Z'), std::string(1, '\0')};
  uint32_t state = 12345;
  Script script = {server("220 mx\r\n")};
  for (int i = 0; i < 400; ++i) {
    state = state * 1103515245u + 12345u;
    const std::string& piece = fragments[(state >> 8) % fragments.size()];
    script.push_back(((state >> 20) & 1) ? client(piece) : server(piece));
    if ((state >> 24) % 50 == 0) script.push_back(client_gap(7));
  }
  script.push_back(close_connection());
  const Recorder r = run_both(script);
  for (const RecordedMessage& m : r.messages) EXPECT_TRUE(m.ended);
}

Script chunking_prefix() {
  return {server("220 mx\r\n"), client("EHLO c\r\n"), server("250-mx\r\n250 CHUNKING\r\n"),
          client("MAIL FROM:<a@x>\r\n"), server("250 ok\r\n"), client("RCPT TO:<u@p>\r\n"),
          server("250 ok\r\n")};
}

TEST(SessionRobustness, RefusedChunkEndsTheMessageOnce) {  // found by fuzzing
  Script script = chunking_prefix();
  script.push_back(client("BDAT 3\r\nabcBDAT 2 LAST\r\nde"));
  script.push_back(server("552 5.3.4 too big\r\n250 ok\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  // Both chunks were sent before the refusal arrived: both are content.
  EXPECT_EQ(r.messages[0].content, "abcde");
  EXPECT_FALSE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.final_reply_code, 552);
  EXPECT_EQ(r.events, (Strings{"greeting 220 mx", "capabilities 1", "begin", "end 552"}));
}

TEST(SessionRobustness, DataAcceptedAmidChunksIsDesync) {  // found by fuzzing
  Script script = chunking_prefix();
  script.push_back(client("BDAT 3\r\nabc"));
  script.push_back(server("250 ok\r\n"));
  script.push_back(client("DATA\r\n"));
  script.push_back(server("354 go\r\n"));
  script.push_back(client("x\r\n.\r\n"));
  script.push_back(server("250 ok\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].content, "abc");
  EXPECT_FALSE(r.messages[0].end.complete);
  EXPECT_EQ(r.messages[0].end.flags, bits({SessionFlag::Bdat, SessionFlag::Desync}));
  EXPECT_EQ(r.messages[1].content, "x\r\n");
  EXPECT_TRUE(r.messages[1].end.complete);
  EXPECT_EQ(r.messages[1].end.final_reply_code, 250);
}

TEST(SessionFlagName, SnakeCaseNames) {
  EXPECT_STREQ(session_flag_name(SessionFlag::BareLf), "bare_lf");
  EXPECT_STREQ(session_flag_name(SessionFlag::SmugglingSequence), "smuggling_sequence");
  EXPECT_STREQ(session_flag_name(SessionFlag::StarttlsInjection), "starttls_injection");
  EXPECT_STREQ(session_flag_name(SessionFlag::PreGreeting), "pre_greeting");
  EXPECT_STREQ(session_flag_name(static_cast<SessionFlag>(3)), "unknown");
}

}  // namespace
}  // namespace sluice::smtp::test
