// probe_mail_server against the test SMTP server: every field checked against what the server was given.
#include <gtest/gtest.h>

#include "control/notify/mail_probe.h"
#include "tests/unit/notify/notify_fixture.h"

namespace sluice::control::notify::test {
namespace {

class MailProbeTest : public NotifyTest {};

TEST_F(MailProbeTest, ReportsWhatTheServerShowed) {
  TestSmtpServer server(tls_config(true));
  ProbeReport r = probe_mail_server(at(server, SecureOption::Default), "alerts@sluice.test", "admin@sluice.test");
  const std::string port = std::to_string(server.port());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.address, "127.0.0.1:" + port);
  EXPECT_GT(r.banner_us, 0u);
  EXPECT_EQ(r.banner, "220 mx.sluice.test ESMTP SluiceTest");
  EXPECT_EQ(r.banner_host, "mx.sluice.test");
  EXPECT_EQ(r.ehlo_capabilities, (std::vector<std::string>{"PIPELINING", "SIZE 10240000", "8BITMIME", "STARTTLS"}));
  EXPECT_TRUE(r.starttls_offered);
  EXPECT_TRUE(r.tls_ok);
  EXPECT_EQ(r.tls_version, "TLSv1.3");
  EXPECT_FALSE(r.tls_cipher.empty());
  EXPECT_EQ(r.ehlo_capabilities_tls, (std::vector<std::string>{"PIPELINING", "SIZE 10240000", "8BITMIME"}));
  // The certificate the server loaded, byte for byte.
  EXPECT_EQ(hex_only(r.cert_sha256_fingerprint), hex_only(tls::test::TestPki::fingerprint(server_leaf_.cert)));
  EXPECT_EQ(r.cert_sha256_fingerprint.size(), 32u * 3 - 1);   // "AA:BB:..."
  EXPECT_EQ(r.cert_subject, "CN=localhost");
  EXPECT_EQ(r.cert_issuer, "CN=Sluice Test CA");
  EXPECT_EQ(r.cert_chain_subjects, (std::vector<std::string>{"CN=localhost", "CN=Sluice Test CA"}));
  EXPECT_FALSE(r.cert_verified);   // the test CA is not in the system store, and the server sends it along
  EXPECT_EQ(r.cert_verify_error, "self-signed certificate in certificate chain");
  EXPECT_FALSE(r.cert_not_after.empty());
  EXPECT_EQ(r.mail_reply, "250 2.1.0 Ok");
  EXPECT_EQ(r.rcpt_reply, "250 2.1.5 Ok");
  EXPECT_TRUE(r.open_relay_tested);
  EXPECT_FALSE(r.open_relay);
  EXPECT_EQ(r.open_relay_reply, "554 5.7.1 <probe@sluice-relay-test.invalid>: Relay access denied");
  EXPECT_GE(r.transaction_us, r.banner_us);

  // MAIL, RCPT, the relay RCPT, RSET, QUIT — and never DATA.
  std::vector<std::string> commands = server.sessions().at(0).commands;
  std::vector<std::string> tail(commands.end() - 5, commands.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"MAIL FROM:<alerts@sluice.test>", "RCPT TO:<admin@sluice.test>",
                                            "RCPT TO:<probe@sluice-relay-test.invalid>", "RSET", "QUIT"}));
  EXPECT_TRUE(server.messages().empty());

  const std::string text = format_probe_report(r);
  EXPECT_NE(text.find("address: 127.0.0.1:" + port + " (connect "), std::string::npos) << text;
  EXPECT_NE(text.find("banner: 220 mx.sluice.test ESMTP SluiceTest ("), std::string::npos) << text;
  EXPECT_NE(text.find("capabilities: PIPELINING SIZE 10240000 8BITMIME STARTTLS\n"), std::string::npos) << text;
  EXPECT_NE(text.find("starttls: offered\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tls: TLSv1.3 " + r.tls_cipher + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("certificate: sha256 " + r.cert_sha256_fingerprint + ", subject CN=localhost, issuer CN=Sluice "
                      "Test CA, expires " + r.cert_not_after),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("certificate verify: failed (self-signed certificate in certificate chain)"), std::string::npos) << text;
  EXPECT_NE(text.find("open relay: no (RCPT TO:<probe@sluice-relay-test.invalid> -> 554 5.7.1 "), std::string::npos)
      << text;
  EXPECT_NE(text.find("transaction: "), std::string::npos) << text;
  EXPECT_NE(text.find("problem: certificate does not verify: self-signed certificate in certificate chain"),
            std::string::npos)
      << text;
}

TEST_F(MailProbeTest, ReverseDnsAgainstTheBanner) {
  // 127.0.0.1's PTR comes from /etc/hosts; compare the banner with whatever the resolver says.
  ServerConfig mismatch;
  TestSmtpServer a(mismatch);
  ProbeReport r = probe_mail_server(at(a, SecureOption::None), "alerts@sluice.test", "admin@sluice.test");
  if (r.reverse_dns.empty()) {
    EXPECT_NE(std::find(r.problems.begin(), r.problems.end(),
                        "no PTR record for 127.0.0.1 (banner host 'mx.sluice.test')"),
              r.problems.end());
    GTEST_SKIP() << "127.0.0.1 has no PTR on this machine";
  }
  EXPECT_FALSE(r.reverse_dns_matches_banner);
  EXPECT_NE(std::find(r.problems.begin(), r.problems.end(),
                      "banner host 'mx.sluice.test' does not match PTR '" + r.reverse_dns + "'"),
            r.problems.end());

  ServerConfig match;
  match.banner = "220 " + r.reverse_dns + " ESMTP";
  TestSmtpServer b(match);
  ProbeReport m = probe_mail_server(at(b, SecureOption::None), "alerts@sluice.test", "admin@sluice.test");
  EXPECT_TRUE(m.reverse_dns_matches_banner);
  EXPECT_NE(format_probe_report(m).find("reverse dns: " + r.reverse_dns + " (matches banner)"), std::string::npos);
}

TEST_F(MailProbeTest, DetectsAnOpenRelay) {
  ServerConfig config;
  config.open_relay = true;
  TestSmtpServer server(config);
  ProbeReport r = probe_mail_server(at(server, SecureOption::Default), "alerts@sluice.test", "admin@sluice.test");
  EXPECT_TRUE(r.open_relay_tested);
  EXPECT_TRUE(r.open_relay);
  EXPECT_NE(std::find(r.problems.begin(), r.problems.end(),
                      "open relay: RCPT TO:<probe@sluice-relay-test.invalid> accepted without authentication"),
            r.problems.end());
  EXPECT_NE(std::find(r.problems.begin(), r.problems.end(), "STARTTLS not offered"), r.problems.end());
  EXPECT_NE(format_probe_report(r).find("open relay: YES (RCPT TO:<probe@sluice-relay-test.invalid> -> 250 2.1.5 Ok)"),
            std::string::npos);
}

TEST_F(MailProbeTest, SmtpsCapabilitiesAreAllAfterTls) {
  ServerConfig config = tls_config(false);
  config.implicit_tls = true;
  TestSmtpServer server(config);
  MailServer m = at(server, SecureOption::Smtps);
  m.host = "localhost";
  m.ca_file = pki_.ca_file();
  ProbeReport r = probe_mail_server(m, "alerts@sluice.test", "admin@sluice.test");
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.tls_ok);
  EXPECT_TRUE(r.ehlo_capabilities.empty());
  EXPECT_EQ(r.ehlo_capabilities_tls, (std::vector<std::string>{"PIPELINING", "SIZE 10240000", "8BITMIME"}));
  EXPECT_TRUE(r.cert_verified) << r.cert_verify_error;
  EXPECT_EQ(r.address, "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(MailProbeTest, ADownServerIsReportedNotThrown) {
  MailServer m;
  m.host = "127.0.0.1";
  m.port = TestSmtpServer::unused_port();
  ProbeReport r = probe_mail_server(m, "alerts@sluice.test", "admin@sluice.test");
  const std::string expected = "connect to 127.0.0.1:" + std::to_string(m.port) + ": Connection refused";
  EXPECT_EQ(r.error, expected);
  EXPECT_EQ(format_probe_report(r), "error: " + expected + "\nproblem: probe stopped: " + expected + "\n");
}

TEST_F(MailProbeTest, RefusedRecipientIsAProblem) {
  ServerConfig config;
  config.replies["RCPT"] = "550 5.1.1 <admin@sluice.test>: Recipient address rejected: User unknown";
  TestSmtpServer server(config);
  ProbeReport r = probe_mail_server(at(server, SecureOption::None), "alerts@sluice.test", "admin@sluice.test");
  EXPECT_EQ(r.rcpt_reply, "550 5.1.1 <admin@sluice.test>: Recipient address rejected: User unknown");
  EXPECT_NE(std::find(r.problems.begin(), r.problems.end(),
                      "RCPT TO rejected: 550 5.1.1 <admin@sluice.test>: Recipient address rejected: User unknown"),
            r.problems.end());
}

}  // namespace
}  // namespace sluice::control::notify::test
