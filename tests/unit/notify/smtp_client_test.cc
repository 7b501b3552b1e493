// send_mail against a real SMTP server thread on 127.0.0.1 with real OpenSSL handshakes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "control/notify/mail_probe.h"
#include "control/notify/smtp_client.h"
#include "control/notify/smtp_session.h"
#include "tests/unit/notify/notify_fixture.h"

namespace sluice::control::notify::test {
namespace {

bool saw(const ServedSession& s, const std::string& command) {
  return std::any_of(s.commands.begin(), s.commands.end(), [&](const std::string& c) { return c.rfind(command, 0) == 0; });
}

class SendMailTest : public NotifyTest {};

TEST_F(SendMailTest, DefaultFallsBackToPlainWhenStarttlsIsNotOffered) {
  TestSmtpServer server(ServerConfig{});
  Transcript transcript;
  SendResult r = send_mail(at(server, SecureOption::Default), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           &transcript);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.final_reply, "250 2.0.0 Ok: queued as 4TEST");
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_FALSE(server.messages()[0].tls);
  EXPECT_EQ(server.messages()[0].mail_from, "alerts@sluice.test");
  EXPECT_FALSE(saw(server.sessions()[0], "STARTTLS"));
  EXPECT_TRUE(saw(server.sessions()[0], "QUIT"));
  std::string text = format_transcript(transcript);
  EXPECT_NE(text.find("S: 220 mx.sluice.test ESMTP SluiceTest"), std::string::npos) << text;
  EXPECT_NE(text.find("C: MAIL FROM:<alerts@sluice.test>"), std::string::npos) << text;
}

TEST_F(SendMailTest, DefaultUpgradesWhenStarttlsIsOffered) {
  TestSmtpServer server(tls_config(true));
  SendResult r = send_mail(at(server, SecureOption::Default), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_TRUE(server.messages()[0].tls);
  EXPECT_TRUE(saw(server.sessions()[0], "STARTTLS"));
}

TEST_F(SendMailTest, NoneNeverUpgradesEvenWhenOffered) {
  TestSmtpServer server(tls_config(true));
  SendResult r = send_mail(at(server, SecureOption::None), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_FALSE(server.messages()[0].tls);
  EXPECT_FALSE(saw(server.sessions()[0], "STARTTLS"));
}

TEST_F(SendMailTest, StarttlsRequiredFailsPreciselyWhenNotOffered) {
  TestSmtpServer server(ServerConfig{});
  Transcript transcript;
  SendResult r = send_mail(at(server, SecureOption::Starttls), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           &transcript);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error, "STARTTLS required but the server did not offer it");
  EXPECT_TRUE(server.messages().empty());
  EXPECT_FALSE(saw(server.sessions()[0], "MAIL"));   // nothing of the message went out in plaintext
  EXPECT_EQ(transcript.steps.back().direction, "ERR");
}

TEST_F(SendMailTest, StarttlsRequiredSucceedsWhenOffered) {
  TestSmtpServer server(tls_config(true));
  Transcript transcript;
  SendResult r = send_mail(at(server, SecureOption::Starttls), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           &transcript);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(server.messages()[0].tls);
  bool tls_step = std::any_of(transcript.steps.begin(), transcript.steps.end(), [](const Transcript::Step& s) {
    return s.direction == "TLS" && s.text.rfind("TLSv1.3 ", 0) == 0;
  });
  EXPECT_TRUE(tls_step) << format_transcript(transcript);
}

TEST_F(SendMailTest, StarttlsRefusedByServerIsAnError) {
  ServerConfig config = tls_config(true);
  config.replies["STARTTLS"] = "454 4.7.0 TLS not available due to local problem";
  TestSmtpServer server(config);
  SendResult r = send_mail(at(server, SecureOption::Starttls), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error, "STARTTLS refused: 454 4.7.0 TLS not available due to local problem");
  // `default` is opportunistic: the same refusal still delivers, in plaintext.
  r = send_mail(at(server, SecureOption::Default), "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(server.messages().at(0).tls);
}

TEST_F(SendMailTest, SmtpsSpeaksTlsFromTheFirstByte) {
  ServerConfig config = tls_config(false);
  config.implicit_tls = true;
  TestSmtpServer server(config);
  SendResult r = send_mail(at(server, SecureOption::Smtps), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                           nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_TRUE(server.messages()[0].tls);
  EXPECT_FALSE(saw(server.sessions()[0], "STARTTLS"));
  MailServer defaults;
  defaults.secure = SecureOption::Smtps;
  EXPECT_EQ(defaults.effective_port(), 465);
  defaults.secure = SecureOption::Starttls;
  EXPECT_EQ(defaults.effective_port(), 25);
}

TEST_F(SendMailTest, SmtpsAgainstAPlainListenerFailsTheHandshake) {
  TestSmtpServer server(ServerConfig{});
  MailServer m = at(server, SecureOption::Smtps);
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error.rfind("TLS handshake with 127.0.0.1:" + std::to_string(server.port()) + " failed: ", 0), 0u)
      << r.error;
}

TEST_F(SendMailTest, AuthPlainSucceedsAndKeepsTheSecretOutOfTheTranscript) {
  ServerConfig config = tls_config(true);
  config.auth_mechanisms = "PLAIN LOGIN";
  config.user = "alerts";
  config.password = "s3cret-pw";
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::Starttls);
  m.username = "alerts";
  m.password = "s3cret-pw";
  Transcript transcript;
  SendResult r = send_mail(m, "alerts@sluice.test", {"someone@elsewhere.example"}, kMessage, &transcript);
  ASSERT_TRUE(r.ok) << r.error;
  ServedSession s = server.sessions().at(0);
  EXPECT_EQ(s.auth_mechanism, "PLAIN");
  EXPECT_TRUE(s.auth_ok);
  std::string text = format_transcript(transcript);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_NE(text.find("AUTH PLAIN <credentials hidden>"), std::string::npos) << text;
}

TEST_F(SendMailTest, AuthLoginWhenOnlyLoginIsOffered) {
  ServerConfig config;
  config.auth_mechanisms = "LOGIN";
  config.user = "alerts";
  config.password = "pw";
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::None);
  m.username = "alerts";
  m.password = "pw";
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.sessions().at(0).auth_mechanism, "LOGIN");
  EXPECT_TRUE(server.sessions().at(0).auth_ok);
}

TEST_F(SendMailTest, AuthRejectedIsFinal) {
  ServerConfig config;
  config.auth_mechanisms = "PLAIN";
  config.user = "alerts";
  config.password = "right";
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::None);
  m.username = "alerts";
  m.password = "wrong";
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable);
  EXPECT_EQ(r.error, "AUTH rejected: 535 5.7.8 Error: authentication failed");
  EXPECT_FALSE(saw(server.sessions().at(0), "MAIL"));
}

TEST_F(SendMailTest, AuthConfiguredButNotOffered) {
  TestSmtpServer server(ServerConfig{});
  MailServer m = at(server, SecureOption::Default);
  m.username = "alerts";
  m.password = "pw";
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "AUTH configured but the server offers no AUTH (before TLS)");
}

TEST_F(SendMailTest, ClientCertificateIsPresentedWhenTheServerAsks) {
  ServerConfig config = tls_config(true);
  config.client_ca_file = pki_.ca_file();
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::Starttls);
  m.client_cert = client_pem_;
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.sessions().at(0).client_cert_subject, "/CN=alerts.sluice.test");
  // Without one configured, the server sees none.
  m.client_cert.clear();
  r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.sessions().at(1).client_cert_subject, "");
}

TEST_F(SendMailTest, ClientCertificateFileErrorsAreNamed) {
  TestSmtpServer server(tls_config(true));
  MailServer m = at(server, SecureOption::Starttls);
  m.client_cert = pki_.dir() + "/missing.pem";
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("client certificate " + m.client_cert + ": ", 0), 0u) << r.error;
}

TEST_F(SendMailTest, VerifyWithTheWrongCaFailsAndWithoutVerifyGoesThrough) {
  ServerConfig config = tls_config(true);
  config.cert_file = pki_.write("server-leaf-only.pem", server_leaf_, /*with_ca=*/false);   // as most servers do
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::Starttls);
  m.host = "localhost";   // the name matches; only the CA is wrong
  m.ca_file = wrong_ca_pem_;
  m.verify = true;
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error, "TLS handshake with 127.0.0.1:" + std::to_string(server.port()) +
                         " failed: certificate verify failed (unable to get local issuer certificate)");
  EXPECT_TRUE(server.messages().empty());

  m.verify = false;
  r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST_F(SendMailTest, VerifyWithTheRightCaChecksTheName) {
  TestSmtpServer server(tls_config(true));
  MailServer m = at(server, SecureOption::Starttls);
  m.host = "localhost";   // in the certificate's names
  m.ca_file = pki_.ca_file();
  m.verify = true;
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_TRUE(r.ok) << r.error;
  m.host = "127.0.0.1";   // not in the certificate: the name check fails
  r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("certificate verify failed (IP address mismatch)"), std::string::npos) << r.error;
}

TEST_F(SendMailTest, DotStuffingAndLineEndings) {
  TestSmtpServer server(ServerConfig{});
  const std::string message = "Subject: dots\n\nbefore\n.\n.hidden\nafter\n";   // LF only
  SendResult r = send_mail(at(server, SecureOption::None), "alerts@sluice.test", {"admin@sluice.test"}, message,
                           nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_EQ(server.messages()[0].raw_data, "Subject: dots\r\n\r\nbefore\r\n..\r\n..hidden\r\nafter\r\n");
  EXPECT_EQ(smtp_data_payload("a\r\n.\r\nb"), "a\r\n..\r\nb\r\n.\r\n");
}

TEST_F(SendMailTest, SilentServerTimesOutWithinTheStepTimeout) {
  ServerConfig config;
  config.silent = true;
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::Default);
  m.timeout_ms = 300;
  auto begin = std::chrono::steady_clock::now();
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error, "banner: timed out after 300 ms waiting for a reply from 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST_F(SendMailTest, ConnectionRefusedNamesTheAddress) {
  MailServer m;
  m.host = "127.0.0.1";
  m.port = TestSmtpServer::unused_port();
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error, "connect to 127.0.0.1:" + std::to_string(m.port) + ": Connection refused");
}

TEST_F(SendMailTest, UnresolvableHostIsRetryable) {
  MailServer m;
  m.host = "mail.sluice-test.invalid";
  SendResult r = send_mail(m, "alerts@sluice.test", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.error.rfind("resolve mail.sluice-test.invalid: ", 0), 0u) << r.error;
}

TEST_F(SendMailTest, PermanentAndTransientRepliesAreClassified) {
  ServerConfig config;
  config.replies["MAIL"] = "550 5.1.8 Sender address rejected";
  {
    TestSmtpServer server(config);
    SendResult r = send_mail(at(server, SecureOption::None), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                             nullptr);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.error, "MAIL FROM rejected: 550 5.1.8 Sender address rejected");
  }
  config.replies.clear();
  config.replies["END"] = "451 4.3.0 Error: queue file write error";
  {
    TestSmtpServer server(config);
    SendResult r = send_mail(at(server, SecureOption::None), "alerts@sluice.test", {"admin@sluice.test"}, kMessage,
                             nullptr);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.error, "message rejected: 451 4.3.0 Error: queue file write error");
    EXPECT_EQ(r.final_reply, "451 4.3.0 Error: queue file write error");
  }
}

TEST_F(SendMailTest, RefusedRecipientsAreNamedAndTheOthersStillGetTheMessage) {
  TestSmtpServer server(ServerConfig{});
  SendResult r = send_mail(at(server, SecureOption::None), "alerts@sluice.test",
                           {"admin@sluice.test", "boss@elsewhere.example"}, kMessage, nullptr);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.error, "RCPT TO:<boss@elsewhere.example> rejected: 554 5.7.1 <boss@elsewhere.example>: Relay access denied");
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_EQ(server.messages()[0].rcpts, std::vector<std::string>{"admin@sluice.test"});
  // All refused: nothing sent, final.
  r = send_mail(at(server, SecureOption::None), "alerts@sluice.test", {"boss@elsewhere.example"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable);
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(SendMailTest, EnvelopeInjectionIsRefusedBeforeConnecting) {
  MailServer m;
  m.host = "127.0.0.1";
  m.port = TestSmtpServer::unused_port();
  SendResult r = send_mail(m, "a@b>\r\nRCPT TO:<x@y", {"admin@sluice.test"}, kMessage, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("is not a valid envelope address"), std::string::npos);
}

TEST(NotifyWords, SecureOptionAndHostPort) {
  SecureOption o;
  ASSERT_TRUE(parse_secure_option("starttls", &o));
  EXPECT_EQ(o, SecureOption::Starttls);
  EXPECT_FALSE(parse_secure_option("tls", &o));
  EXPECT_STREQ(secure_option_name(SecureOption::Smtps), "smtps");
  std::string host, error;
  uint16_t port = 0;
  ASSERT_TRUE(parse_host_port("mx.example:587", &host, &port, &error));
  EXPECT_EQ(host, "mx.example");
  EXPECT_EQ(port, 587);
  port = 0;
  ASSERT_TRUE(parse_host_port("2001:db8::1", &host, &port, &error));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_host_port("[2001:db8::1]:465", &host, &port, &error));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, 465);
  EXPECT_FALSE(parse_host_port("mx.example:70000", &host, &port, &error));
  EXPECT_EQ(error, "'mx.example:70000': port must be 1-65535");
  EXPECT_FALSE(parse_host_port("[::1", &host, &port, &error));
}

}  // namespace
}  // namespace sluice::control::notify::test
