// tests/unit/tls/tls_fixture.h — one PKI and one server profile for the whole
// suite (RSA key generation is slow), and client contexts shaped per test.
//
// Owns: the standard files (RSA and ECDSA for mail.example.test, ECDSA for
// other.example.test and *.wild.example.test), the server context built from
// them, and make_client() with the knobs a test turns on the client side.
// May call: tls/, test_pki.h, tls_pump.h, GoogleTest.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/tls/test_pki.h"
#include "tests/unit/tls/tls_pump.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"
#include "tls/tls_session.h"

namespace sluice::tls::test {

struct Suite {
  TestPki pki;
  Issued rsa_mail, ec_mail, ec_other;
  std::string rsa_mail_file, ec_mail_file, ec_other_file;

  Suite() {
    rsa_mail = pki.issue(KeyKind::Rsa2048, {"mail.example.test"});
    ec_mail = pki.issue(KeyKind::EcdsaP256, {"mail.example.test"});
    ec_other = pki.issue(KeyKind::EcdsaP256, {"other.example.test", "*.wild.example.test"});
    rsa_mail_file = pki.write("rsa_mail.pem", rsa_mail);
    ec_mail_file = pki.write("ec_mail.pem", ec_mail);
    ec_other_file = pki.write("ec_other.pem", ec_other);
  }
  static Suite& get() {
    static Suite suite;
    return suite;
  }
  TlsServerSettings server_settings() const {
    TlsServerSettings s;
    s.cert_files = {rsa_mail_file, ec_mail_file, ec_other_file};
    return s;
  }
};

inline std::unique_ptr<TlsServerContext> make_server(const TlsServerSettings& settings) {
  std::string error;
  std::vector<std::string> warnings;
  auto ctx = TlsServerContext::build(settings, &error, &warnings);
  EXPECT_NE(ctx, nullptr) << error;
  return ctx;
}

struct ClientKnobs {
  int max_version = 0;          // 0: OpenSSL's highest
  int min_version = TLS1_2_VERSION;
  std::string sigalgs;          // "" = OpenSSL's list
  std::string ciphers12;        // "" = OpenSSL's list
  std::string ciphersuites13;   // "" = OpenSSL's list
  int security_level = -1;      // -1 = leave as configured
  BackendVerify verify = BackendVerify::None;
  std::string ca_file;
  std::string server_name = "mail.example.test";
};

inline std::unique_ptr<TlsClientContext> make_client(const ClientKnobs& k) {
  TlsClientSettings s;
  s.min_version = k.min_version;
  s.verify = k.verify;
  s.ca_file = k.ca_file;
  s.server_name = k.server_name;
  std::string error;
  auto ctx = TlsClientContext::build(s, &error);
  EXPECT_NE(ctx, nullptr) << error;
  SSL_CTX* raw = ctx->ctx();
  if (k.security_level >= 0) SSL_CTX_set_security_level(raw, k.security_level);
  if (k.max_version != 0) SSL_CTX_set_max_proto_version(raw, k.max_version);
  if (!k.sigalgs.empty()) {
    EXPECT_EQ(SSL_CTX_set1_sigalgs_list(raw, k.sigalgs.c_str()), 1);
  }
  if (!k.ciphers12.empty()) {
    EXPECT_EQ(SSL_CTX_set_cipher_list(raw, k.ciphers12.c_str()), 1);
  }
  if (!k.ciphersuites13.empty()) {
    EXPECT_EQ(SSL_CTX_set_ciphersuites(raw, k.ciphersuites13.c_str()), 1);
  }
  return ctx;
}

// What the client leg saw: the leaf's fingerprint.
inline std::string peer_fingerprint(const TlsSession& client) {
  X509* cert = SSL_get0_peer_certificate(client.native());
  return cert != nullptr ? TestPki::fingerprint(cert) : "";
}

inline int peer_key_type(const TlsSession& client) {
  X509* cert = SSL_get0_peer_certificate(client.native());
  return cert != nullptr ? EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) : -1;
}

}  // namespace sluice::tls::test
