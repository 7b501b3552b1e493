// tests/unit/notify/notify_fixture.h — what the notify tests share: a test PKI (the server's certificate,
// a client certificate from the same CA, a second CA that signed nothing of ours) and MailServer settings
// pointing at a TestSmtpServer.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "control/notify/mail_types.h"
#include "tests/unit/notify/test_smtp_server.h"
#include "tests/unit/tls/test_pki.h"

namespace sluice::control::notify::test {

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_leaf_ = pki_.issue(tls::test::KeyKind::EcdsaP256, {"localhost", "mx.sluice.test"});
    server_pem_ = pki_.write("server.pem", server_leaf_);
    client_leaf_ = pki_.issue(tls::test::KeyKind::EcdsaP256, {"alerts.sluice.test"});
    client_pem_ = pki_.write("client.pem", client_leaf_);
    // A trust anchor that signed none of our certificates (and, unlike a second TestPki, has another name).
    tls::test::Issued stranger = other_pki_.self_signed(tls::test::KeyKind::EcdsaP256, {"other-root.example"});
    wrong_ca_pem_ = other_pki_.write("wrong-ca.pem", stranger, /*with_ca=*/false, nullptr, /*with_key=*/false);
  }

  ServerConfig tls_config(bool starttls) const {
    ServerConfig c;
    c.offer_starttls = starttls;
    c.cert_file = server_pem_;
    return c;
  }

  static MailServer at(const TestSmtpServer& server, SecureOption secure) {
    MailServer m;
    m.host = "127.0.0.1";
    m.port = server.port();
    m.secure = secure;
    m.helo = "sluice.test";
    m.timeout_ms = 5000;
    return m;
  }

  // "ab:cd" / "abcd" → "ABCD": the library prints "AB:CD", TestPki "abcd".
  static std::string hex_only(std::string s) {
    std::string out;
    for (char c : s)
      if (c != ':') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  }

  tls::test::TestPki pki_;
  tls::test::TestPki other_pki_;   // a CA that signed none of our certificates
  tls::test::Issued server_leaf_, client_leaf_;
  std::string server_pem_, client_pem_, wrong_ca_pem_;
};

inline const char* kMessage =
    "From: <alerts@sluice.test>\r\nTo: <admin@sluice.test>\r\nSubject: test\r\n\r\nhello\r\n";

}  // namespace sluice::control::notify::test
