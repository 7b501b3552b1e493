// Tests of the SMTP relay's message side: the DATA/BDAT decisions, hold-then-stream, the verdict at the end of
// data (accept, refuse, tag), and that the client never hears 250 the backend did not say.
#include <gtest/gtest.h>

#include "tests/unit/smtp/relay_harness.h"

namespace sluice::smtp::test {
namespace {

constexpr std::string_view kBody = "Subject: hi\r\n\r\nhello\r\n";

TEST(RelayMessage, HeldMessageGoesOutAsOneBdatAfterTheVerdict) {
  RelayHarness h;
  h.open_transaction();
  h.client("DATA\r\n");
  EXPECT_EQ(h.take_client(), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(h.take_server(), "");   // the relay answers DATA itself
  h.client(std::string(kBody) + ".\r\n");
  EXPECT_EQ(h.take_server(), "BDAT 22 LAST\r\n" + std::string(kBody));
  EXPECT_EQ(h.take_client(), "");   // nothing until the backend accepted
  h.server("250 2.0.0 Ok: queued as ABC\r\n");
  EXPECT_EQ(h.take_client(), "250 2.0.0 Ok: queued as ABC\r\n");
  ASSERT_EQ(h.hooks.contents.size(), 1u);
  EXPECT_EQ(h.hooks.contents[0], kBody);
  ASSERT_EQ(h.hooks.outcomes.size(), 1u);
  EXPECT_EQ(h.hooks.outcomes[0].backend_code, 250);
  EXPECT_TRUE(h.hooks.held[0]);
}

TEST(RelayMessage, BackendWithoutChunkingGetsDataWithDotStuffing) {
  RelayHarness h;
  h.open_transaction("250 PIPELINING\r\n");
  h.client("DATA\r\n..\r\n..MAIL FROM:<x@y>\r\n.hidden\r\n.\r\n");   // SM-13
  EXPECT_EQ(h.hooks.contents[0], ".\r\n.MAIL FROM:<x@y>\r\nhidden\r\n");
  EXPECT_EQ(h.take_server(), "DATA\r\n");
  h.client("QUIT\r\n");   // pipelined after "." : must not overtake the body
  EXPECT_EQ(h.take_server(), "");
  h.server("354 go\r\n");
  EXPECT_EQ(h.take_server(), "..\r\n..MAIL FROM:<x@y>\r\nhidden\r\n.\r\nQUIT\r\n");
  h.server("250 2.0.0 Ok\r\n221 Bye\r\n");
  EXPECT_EQ(h.take_client(), "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok\r\n221 Bye\r\n");
}

TEST(RelayMessage, RefusalOfAHeldMessageLeavesNoTraceAtTheBackend) {
  RelayHarness h;
  h.hooks.decision.kind = MessageDecision::Kind::Refuse;
  h.hooks.decision.refusal = {550, "5.7.1 Message rejected: antivirus:Eicar (id 1)"};
  h.open_transaction();
  h.client("DATA\r\n" + std::string(kBody) + ".\r\nMAIL FROM:<a@b>\r\n");
  EXPECT_EQ(h.take_server(), "RSET\r\nMAIL FROM:<a@b>\r\n");
  h.server("250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n");   // RSET's reply is the relay's own, never the client's
  EXPECT_EQ(h.take_client(),
            "354 End data with <CR><LF>.<CR><LF>\r\n550 5.7.1 Message rejected: antivirus:Eicar (id 1)\r\n"
            "250 2.1.0 Ok\r\n");
  EXPECT_EQ(h.hooks.outcomes[0].client_code, 550);
  EXPECT_EQ(h.hooks.outcomes[0].backend_code, 0);
}

TEST(RelayMessage, TagHeadersGoOnTop) {
  RelayHarness h;
  h.hooks.decision.added_headers = "X-Sluice-Verdict: tag (spam:score=7) id=1\r\n";
  h.open_transaction();
  h.client("DATA\r\n" + std::string(kBody) + ".\r\n");
  EXPECT_EQ(h.take_server(), "BDAT 65 LAST\r\nX-Sluice-Verdict: tag (spam:score=7) id=1\r\n" + std::string(kBody));
  h.server("250 ok\r\n");
  EXPECT_TRUE(h.hooks.outcomes[0].headers_added);
}

TEST(RelayMessage, LargeMessageStreamsInChunksAndARefusalIsAnRset) {
  RelayHarness h;   // hold_limit 4096
  h.hooks.decision.kind = MessageDecision::Kind::Refuse;
  h.hooks.decision.refusal = {550, "5.7.1 Message rejected: x (id 2)"};
  h.open_transaction();
  std::string body;
  for (int i = 0; i < 3000; ++i) body += "line " + std::to_string(i) + " of a long message\r\n";
  h.client("DATA\r\n" + body, 1400);
  const std::string streamed = h.take_server();
  ASSERT_FALSE(streamed.empty()) << h.hooks.contents[0].size();
  EXPECT_EQ(streamed.rfind("BDAT ", 0), 0u);   // streaming began before the end of data
  h.take_client();
  h.client(".\r\n");   // the refusal goes out at once, before the backend acknowledged the chunk already sent
  EXPECT_EQ(h.take_client(), "550 5.7.1 Message rejected: x (id 2)\r\n");
  h.server("250 2.0.0 chunk\r\n");
  EXPECT_EQ(h.take_client(), "");   // the chunk's acknowledgement is the relay's own
  const std::string tail = h.take_server();
  EXPECT_NE(tail.find("RSET\r\n"), std::string::npos);
  EXPECT_EQ(tail.find("LAST"), std::string::npos);
  EXPECT_FALSE(h.hooks.held[0]);
  EXPECT_EQ(h.hooks.contents[0], body);
}

TEST(RelayMessage, LargeMessageToADataBackendIsClosedWithoutTheEndOfData) {   // RES-16
  RelayHarness h;
  h.hooks.decision.kind = MessageDecision::Kind::Refuse;
  h.hooks.decision.refusal = {550, "5.7.1 Message rejected: x (id 3)"};
  h.open_transaction("250 PIPELINING\r\n");
  std::string body(20000, 'a');
  body += "\r\n";
  h.client("DATA\r\n" + body);
  EXPECT_EQ(h.take_server(), "DATA\r\n");
  h.server("354 go\r\n");
  h.client(".\r\n");
  const std::string sent = h.take_server();
  EXPECT_EQ(sent, body);   // content, and never the terminator
  EXPECT_EQ(h.take_client(), "354 End data with <CR><LF>.<CR><LF>\r\n550 5.7.1 Message rejected: x (id 3)\r\n");
  EXPECT_TRUE(h.relay.wants_close());
}

TEST(RelayMessage, DataGateRefusalsAndTheSynchronisationRule) {   // SM-18
  RelayHarness h;
  h.server("220 mx\r\n");
  h.take_client();
  h.client("MAIL FROM:<a@x>\r\nRCPT TO:<nosuchuser@p>\r\nDATA\r\nMAIL FROM:<ceo@p>\r\nRCPT TO:<u@p>\r\nDATA\r\n");
  EXPECT_EQ(h.take_server(), "MAIL FROM:<a@x>\r\nRCPT TO:<nosuchuser@p>\r\n");
  h.server("250 2.1.0 Ok\r\n550 5.1.1 <nosuchuser@p>: Recipient address rejected\r\n");
  EXPECT_EQ(h.take_client(),
            "250 2.1.0 Ok\r\n550 5.1.1 <nosuchuser@p>: Recipient address rejected\r\n"
            "554 5.5.1 Error: no valid recipients\r\n554 5.5.0 Error: SMTP protocol synchronization\r\n");
  EXPECT_EQ(h.take_server(), "");   // the second transaction never reached the backend
  EXPECT_TRUE(h.relay.wants_close());
  EXPECT_EQ(h.hooks.begun, 0);
}

TEST(RelayMessage, ClientBdatIsContentAndChunksAreAnsweredByTheRelay) {   // SM-16
  RelayHarness h;
  h.open_transaction();
  const std::string chunk1 = "x\r\n.\r\nMAIL FROM:<ceo@p>\r\n";
  const std::string chunk2 = "RCPT TO:<u@p>\r\nDATA\r\n";
  h.client("BDAT " + std::to_string(chunk1.size()) + "\r\n" + chunk1 + "BDAT " + std::to_string(chunk2.size()) +
           " LAST\r\n" + chunk2);
  EXPECT_EQ(h.hooks.contents[0], chunk1 + chunk2);
  const std::string content = chunk1 + chunk2;
  EXPECT_EQ(h.take_server(), "BDAT " + std::to_string(content.size()) + " LAST\r\n" + content);
  h.server("250 2.0.0 Ok: queued\r\n");
  EXPECT_EQ(h.take_client(), "250 2.0.0 Ok: " + std::to_string(chunk1.size()) + " octets\r\n250 2.0.0 Ok: queued\r\n");
}

TEST(RelayMessage, BdatWithoutChunkingOfferedHangsUp) {   // SM-16, RES-10
  RelayConfig config = RelayHarness::default_config();
  config.ehlo.chunking = false;
  RelayHarness h(config);
  h.open_transaction();
  h.client("BDAT 10 LAST\r\nMAIL FROM:\r\n");
  EXPECT_EQ(h.take_client(), "521 5.5.1 Error: command not implemented\r\n");
  EXPECT_TRUE(h.relay.wants_close());
  EXPECT_EQ(h.take_server(), "");
}

TEST(RelayMessage, BdatSyntaxAndOrderErrors) {   // RES-10
  for (std::string_view bad : {"BDAT 18446744073709551616\r\n", "BDAT -1\r\n", "BDAT 1e9\r\n", "BDAT 10 FOO\r\n"}) {
    RelayHarness h;
    h.open_transaction();
    h.client(bad);
    EXPECT_EQ(h.take_client(), "521 5.5.4 Syntax: BDAT count [LAST]\r\n") << bad;
    EXPECT_TRUE(h.relay.wants_close());
  }
  RelayHarness h;
  h.server("220 mx\r\n");
  h.take_client();
  h.client("BDAT 5\r\nhelloNOOP\r\n");   // no MAIL: the chunk is skipped, never read as a command
  EXPECT_EQ(h.take_server(), "NOOP\r\n");
  h.server("250 ok\r\n");
  EXPECT_EQ(h.take_client(), "503 5.5.1 Error: need MAIL command\r\n250 ok\r\n");
  RelayHarness h2;
  h2.open_transaction();
  h2.client("BDAT 3\r\nabcDATA\r\n");
  EXPECT_EQ(h2.take_client(), "250 2.0.0 Ok: 3 octets\r\n503 5.5.1 Error: DATA after BDAT\r\n");
}

TEST(RelayMessage, BackendRefusalOfTheMessageIsWhatTheClientHears) {
  RelayHarness h;
  h.open_transaction();
  h.client("DATA\r\n" + std::string(kBody) + ".\r\n");
  h.server("552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(h.take_client(),
            "354 End data with <CR><LF>.<CR><LF>\r\n552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(h.hooks.outcomes[0].backend_code, 552);
}

TEST(RelayMessage, ContentOverTheSizeLimitIsNeitherScannedNorSent) {
  RelayConfig config = RelayHarness::default_config();
  config.size_limit = 100;
  RelayHarness h(config);
  h.open_transaction();
  h.client("DATA\r\n" + std::string(300, 'a') + "\r\n.\r\n");
  EXPECT_EQ(h.hooks.ends[0].size, 302u);
  EXPECT_TRUE(h.hooks.contents[0].empty());
}

TEST(RelayMessage, ClientThatVanishesMidBodyIsLoggedAsIncomplete) {
  RelayHarness h;
  h.open_transaction();
  h.client("DATA\r\nSubject: x\r\n\r\npartial");
  h.relay.on_client_closed();
  ASSERT_EQ(h.hooks.ends.size(), 1u);
  EXPECT_FALSE(h.hooks.ends[0].complete);
  EXPECT_EQ(h.hooks.outcomes.size(), 1u);
  EXPECT_EQ(h.take_server(), "");   // held: the backend saw nothing
}

TEST(RelayMessage, BackendGoneBeforeItsReplyMeansNoReplyToTheClient) {
  RelayHarness h;
  h.open_transaction();
  h.client("DATA\r\n" + std::string(kBody) + ".\r\n");
  h.relay.on_server_closed();
  EXPECT_EQ(h.take_client(), "354 End data with <CR><LF>.<CR><LF>\r\n");
  ASSERT_EQ(h.hooks.outcomes.size(), 1u);
  EXPECT_EQ(h.hooks.outcomes[0].client_code, 0);
}

}  // namespace
}  // namespace sluice::smtp::test

namespace sluice::smtp::test {
namespace {

TEST(RelayMessage, TimeOutAbandonsTheMessageAndSays421) {   // RES-3: the owner's deadline passed
  RelayHarness h;
  h.open_transaction();
  h.client("DATA\r\nSubject: slow\r\n\r\nbody");
  h.take_client();
  EXPECT_TRUE(h.relay.in_message());
  h.relay.time_out();
  h.client("more body\r\n.\r\n");   // nothing more is read
  EXPECT_EQ(h.take_client(), "421 4.4.2 Error: timeout exceeded\r\n");
  EXPECT_TRUE(h.relay.wants_close());
  ASSERT_EQ(h.hooks.ends.size(), 1u);
  EXPECT_FALSE(h.hooks.ends[0].complete);
  EXPECT_EQ(h.take_server(), "");
}

}  // namespace
}  // namespace sluice::smtp::test
