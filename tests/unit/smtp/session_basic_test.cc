// tests/unit/smtp/session_basic_test.cc — whole dialogues: a full ESMTP
// session, the TRex capture form, pipelining, RSET, BDAT and STARTTLS.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session_script.h"

namespace sluice::smtp::test {
namespace {

using Strings = std::vector<std::string>;

TEST(PassiveSession, FullEsmtpSession) {
  const std::string body = "Subject: hi\r\n\r\nHello Bob.\r\n";
  const Recorder r = run_both({
      server("220 mx.example.com ESMTP ready\r\n"),
      client("EHLO client.example\r\n"),
      server("250-mx.example.com\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-STARTTLS\r\n"
             "250 SIZE 10240000\r\n"),
      client("MAIL FROM:<alice@client.example> SIZE=1234 BODY=8BITMIME\r\n"),
      server("250 2.1.0 Ok\r\n"),
      client("RCPT TO:<bob@example.com>\r\n"),
      server("250 2.1.5 Ok\r\n"),
      client("RCPT TO:<nobody@example.com>\r\n"),
      server("550 5.1.1 <nobody@example.com>: Recipient address rejected\r\n"),
      client("DATA\r\n"),
      server("354 End data with <CR><LF>.<CR><LF>\r\n"),
      client(body + ".\r\n"),
      server("250 2.0.0 Ok: queued as ABC123\r\n"),
      client("QUIT\r\n"),
      server("221 2.0.0 Bye\r\n"),
      close_connection(),
  });
  EXPECT_EQ(r.events, (Strings{"greeting 220 mx.example.com ESMTP ready", "capabilities 4",
                               "begin", "end 250"}));
  EXPECT_EQ(r.capabilities, (Strings{"PIPELINING", "CHUNKING", "STARTTLS", "SIZE 10240000"}));
  ASSERT_EQ(r.messages.size(), 1u);
  const RecordedMessage& m = r.messages[0];
  for (const Envelope* e : {&m.begin_envelope, &m.end_envelope}) {
    EXPECT_EQ(e->helo, "client.example");
    EXPECT_TRUE(e->esmtp);
    EXPECT_EQ(e->mail_from, "alice@client.example");
    EXPECT_EQ(e->mail_params, (Strings{"SIZE=1234", "BODY=8BITMIME"}));
    EXPECT_EQ(e->rcpt_to, (Strings{"bob@example.com"}));
    EXPECT_EQ(e->rcpt_rejected, (Strings{"nobody@example.com"}));
  }
  EXPECT_EQ(m.content, body);
  EXPECT_TRUE(m.end.complete);
  EXPECT_EQ(m.end.final_reply_code, 250);
  EXPECT_EQ(m.end.final_reply_text, "2.0.0 Ok: queued as ABC123");
  EXPECT_EQ(m.end.size, 27u);
  EXPECT_EQ(m.end.flags, 0u);
  EXPECT_FALSE(m.end.bdat);
  EXPECT_EQ(r.session_flags, 0u);
  EXPECT_TRUE(r.looks_like_smtp);
  EXPECT_EQ(r.message_count, 1u);
}

TEST(PassiveSession, TrexCaptureDialogue) {
  const std::string headers =
      "From: user1@from.com\r\nTo: user1@to.com\r\nSubject: test\r\nDate: now\r\n\r\n";
  const std::string line(90000, 'A');
  const Recorder r = run_both({
      server("220 mail.to.com SMTP service ready\r\n"),
      client("HELO from.com\r\n"),
      server("250 mail.to.com\r\n"),
      client("Mail From:<user1@from.com>\r\n"),
      server("250 OK\r\n"),
      client("Rcpt To: <user1@to.com>\r\n"),
      server("250 OK\r\n"),
      client("DATA\r\n"),
      server("354 Start mail input; end with <CRLF>.<CRLF>\r\n"),
      client(headers + line.substr(0, 1400)),
      client(line.substr(1400) + "\r\n.\r\n"),
      server("250 OK\r\n"),
      client("QUIT\r\n"),
      server("221 closing\r\n"),
      close_connection(),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  const RecordedMessage& m = r.messages[0];
  EXPECT_EQ(m.end_envelope.helo, "from.com");
  EXPECT_FALSE(m.end_envelope.esmtp);
  EXPECT_EQ(m.end_envelope.mail_from, "user1@from.com");
  EXPECT_EQ(m.end_envelope.rcpt_to, (Strings{"user1@to.com"}));
  EXPECT_EQ(m.content, headers + line + "\r\n");
  EXPECT_EQ(m.end.size, headers.size() + 90002);
  EXPECT_EQ(m.end.flags, flag_bit(SessionFlag::LongLine));
  EXPECT_TRUE(m.end.complete);
  EXPECT_EQ(m.end.final_reply_code, 250);
  EXPECT_TRUE(r.looks_like_smtp);
}

TEST(PassiveSession, PipelinedTransactionInOneChunk) {
  const Recorder r = run_both({
      server("220 mx ESMTP\r\n"),
      client("EHLO c\r\n"),
      server("250-mx\r\n250 PIPELINING\r\n"),
      client("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nDATA\r\nbody\r\n.\r\n"),
      server("250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n"),
      server("250 queued\r\n"),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  const RecordedMessage& m = r.messages[0];
  EXPECT_EQ(m.begin_envelope.mail_from, "a@x");
  EXPECT_EQ(m.begin_envelope.rcpt_to, (Strings{"b@y"}));
  EXPECT_EQ(m.begin_envelope.rcpt_rejected, (Strings{"c@y"}));
  EXPECT_EQ(m.content, "body\r\n");
  EXPECT_EQ(m.end.final_reply_code, 250);
  EXPECT_EQ(m.end.flags, flag_bit(SessionFlag::Pipelining));
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::Pipelining));
}

TEST(PassiveSession, RsetMidTransactionStartsAfresh) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250 mx\r\n"),
      client("MAIL FROM:<first@x>\r\n"),
      server("250 ok\r\n"),
      client("RCPT TO:<one@y>\r\n"),
      server("250 ok\r\n"),
      client("RSET\r\n"),
      server("250 ok\r\n"),
      client("MAIL FROM:<second@x>\r\n"),
      server("250 ok\r\n"),
      client("RCPT TO:<two@y>\r\n"),
      server("250 ok\r\n"),
      client("DATA\r\n"),
      server("354 go\r\n"),
      client("x\r\n.\r\n"),
      server("250 ok\r\n"),
  });
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].end_envelope.mail_from, "second@x");
  EXPECT_EQ(r.messages[0].end_envelope.rcpt_to, (Strings{"two@y"}));
  EXPECT_EQ(r.messages[0].content, "x\r\n");
}

Script bdat_prefix() {
  return {
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250-mx\r\n250 CHUNKING\r\n"),
      client("MAIL FROM:<a@x>\r\n"),
      server("250 ok\r\n"),
      client("RCPT TO:<u@p>\r\n"),
      server("250 ok\r\n"),
  };
}

TEST(PassiveSession, BdatChunkBytesAreNeverCommands) {  // SM-16
  const std::string chunk = "x\r\n.\r\nMAIL FROM:<ceo@p>\r\nRCPT TO:<u@p>\r\nDATA\r\nevil\r\n.\r\n";
  Script script = bdat_prefix();
  script.push_back(client("BDAT " + std::to_string(chunk.size()) + " LAST\r\n" + chunk));
  script.push_back(server("250 2.0.0 Ok: queued\r\n"));
  script.push_back(client("QUIT\r\n"));
  script.push_back(server("221 bye\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  const RecordedMessage& m = r.messages[0];
  EXPECT_EQ(m.content, chunk);
  EXPECT_EQ(m.end.size, chunk.size());
  EXPECT_TRUE(m.end.complete);
  EXPECT_TRUE(m.end.bdat);
  EXPECT_EQ(m.end.final_reply_code, 250);
  EXPECT_EQ(m.end.flags, flag_bit(SessionFlag::Bdat));
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::Bdat));
}

TEST(PassiveSession, BdatSeveralChunksThenLast) {
  Script script = bdat_prefix();
  script.push_back(client("BDAT 7\r\nHello, "));
  script.push_back(server("250 2.0.0 7 octets\r\n"));
  script.push_back(client("BDAT 8\r\nworld.\r\n"));
  script.push_back(server("250 2.0.0 8 octets\r\n"));
  script.push_back(client("BDAT 0 LAST\r\n"));
  script.push_back(server("250 2.0.0 queued\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "Hello, world.\r\n");
  EXPECT_EQ(r.messages[0].end.size, 15u);
  EXPECT_EQ(r.messages[0].end.final_reply_text, "2.0.0 queued");
  EXPECT_TRUE(r.messages[0].end.complete);
}

TEST(PassiveSession, BdatChunksPipelinedInOneWrite) {
  Script script = bdat_prefix();
  script.push_back(client("BDAT 3\r\nabcBDAT 4 LAST\r\ndef\n"));
  script.push_back(server("250 ok\r\n250 queued\r\n"));
  const Recorder r = run_both(script);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "abcdef\n");
  EXPECT_EQ(r.messages[0].end.final_reply_code, 250);
  EXPECT_EQ(r.messages[0].end.final_reply_text, "queued");
  EXPECT_EQ(r.messages[0].end.flags, bits({SessionFlag::Bdat, SessionFlag::Pipelining}));
}

Script starttls_prefix() {
  return {
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250-mx\r\n250 STARTTLS\r\n"),
  };
}

TEST(PassiveSession, StarttlsStopsParsing) {
  Script script = starttls_prefix();
  script.push_back(client("STARTTLS\r\n"));
  script.push_back(server("220 2.0.0 Ready to start TLS\r\n"));
  script.push_back(client("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 MAIL FROM:<x@y>\r\n"));
  script.push_back(server("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\r\n250 ok\r\n"));
  const Recorder r = run_both(script);
  EXPECT_TRUE(r.encrypted);
  EXPECT_EQ(r.events.back(), "starttls");
  EXPECT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.session_flags, 0u);
}

TEST(PassiveSession, StarttlsWithPipelinedPlaintextIsInjection) {  // ST-1, ST-3
  Script script = starttls_prefix();
  script.push_back(client("STARTTLS\r\nRSET\r\nMAIL FROM:<att@x>\r\n"));
  script.push_back(server("220 2.0.0 Ready to start TLS\r\n"));
  const Recorder r = run_both(script);
  EXPECT_TRUE(r.encrypted);
  EXPECT_EQ(r.events.back(), "starttls");
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::StarttlsInjection));
}

TEST(PassiveSession, RefusedStarttlsLeavesCommandsReadable) {
  Script script = starttls_prefix();
  script.push_back(client("STARTTLS\r\nMAIL FROM:<a@x>\r\nRCPT TO:<u@p>\r\nDATA\r\n"));
  script.push_back(server("454 4.7.0 TLS not available\r\n250 ok\r\n250 ok\r\n354 go\r\n"));
  script.push_back(client("hi\r\n.\r\n"));
  script.push_back(server("250 queued\r\n"));
  const Recorder r = run_both(script);
  EXPECT_FALSE(r.encrypted);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].begin_envelope.mail_from, "a@x");
  EXPECT_EQ(r.messages[0].content, "hi\r\n");
  EXPECT_EQ(r.session_flags, flag_bit(SessionFlag::Pipelining));
}

TEST(PassiveSession, AuthExchangeIsNotUnknownCommands) {
  const Recorder r = run_both({
      server("220 mx\r\n"),
      client("EHLO c\r\n"),
      server("250-mx\r\n250 AUTH LOGIN PLAIN\r\n"),
      client("AUTH LOGIN\r\n"),
      server("334 VXNlcm5hbWU6\r\n"),
      client("dXNlcg==\r\n"),
      server("334 UGFzc3dvcmQ6\r\n"),
      client("cGFzcw==\r\n"),
      server("235 2.7.0 Authentication successful\r\n"),
      client("NOOP\r\n"),
      server("250 ok\r\n"),
  });
  EXPECT_EQ(r.session_flags, 0u);
}

}  // namespace
}  // namespace sluice::smtp::test
