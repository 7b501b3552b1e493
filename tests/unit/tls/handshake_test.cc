// Real handshakes in memory: server TlsSession against client TlsSession.
// Pins versions, the client's cipher order, certificate choice by signature
// algorithms and by SNI, the protocol floor's failure text, renegotiation.
#include <openssl/ssl.h>

#include "tests/unit/tls/tls_fixture.h"

namespace sluice::tls::test {
namespace {

class Handshake : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = make_server(Suite::get().server_settings()).release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static TlsServerContext* server_;
};
TlsServerContext* Handshake::server_ = nullptr;

TEST_F(Handshake, Tls13) {
  auto cctx = make_client({});
  TlsSession client(*cctx), server(*server_);
  ASSERT_TRUE(handshake(client, server)) << server.failure() << " / " << client.failure();
  EXPECT_EQ(server.version_name(), "TLSv1.3");
  EXPECT_EQ(client.version_name(), "TLSv1.3");
  EXPECT_EQ(server.cipher_name(), client.cipher_name());
  EXPECT_EQ(server.cipher_name().rfind("TLS_", 0), 0u) << server.cipher_name();
  EXPECT_EQ(server.sni(), "mail.example.test");
  EXPECT_EQ(client.sni(), "mail.example.test");
  EXPECT_EQ(server.handshake().offered_versions.rfind("TLSv1.3", 0), 0u) << server.handshake().offered_versions;
  // TLS-4: the whole chain from the file goes out (leaf, then the CA).
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(client.native());
  ASSERT_NE(chain, nullptr);
  ASSERT_EQ(sk_X509_num(chain), 2);
  EXPECT_EQ(TestPki::fingerprint(sk_X509_value(chain, 1)), TestPki::fingerprint(Suite::get().pki.ca_cert()));
}

TEST_F(Handshake, Tls12) {
  auto cctx = make_client({.max_version = TLS1_2_VERSION});
  TlsSession client(*cctx), server(*server_);
  ASSERT_TRUE(handshake(client, server)) << server.failure();
  EXPECT_EQ(server.version_name(), "TLSv1.2");
  EXPECT_EQ(client.version_name(), "TLSv1.2");
  EXPECT_EQ(server.cipher_name(), client.cipher_name());
  EXPECT_EQ(server.cipher_name().rfind("ECDHE-", 0), 0u) << server.cipher_name();
}

// Server preference is off: the client's first acceptable suite wins, both versions.
TEST_F(Handshake, ClientCipherOrderWins) {
  auto c12 = make_client({.max_version = TLS1_2_VERSION,
                          .ciphers12 = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                       "ECDHE-RSA-AES128-GCM-SHA256"});
  TlsSession a(*c12), sa(*server_);
  ASSERT_TRUE(handshake(a, sa)) << sa.failure();
  EXPECT_EQ(sa.cipher_name(), "ECDHE-ECDSA-AES128-GCM-SHA256");

  auto c13 = make_client({.ciphersuites13 = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"});
  TlsSession b(*c13), sb(*server_);
  ASSERT_TRUE(handshake(b, sb)) << sb.failure();
  EXPECT_EQ(sb.cipher_name(), "TLS_CHACHA20_POLY1305_SHA256");
}

struct SigalgCase {
  int max_version;
  const char* sigalgs;
  int key_type;
};

class Sigalgs : public Handshake, public ::testing::WithParamInterface<SigalgCase> {};

// RSA and ECDSA side by side: the client's signature algorithms decide.
TEST_P(Sigalgs, PicksTheCertificateTheClientCanVerify) {
  const SigalgCase& c = GetParam();
  auto cctx = make_client({.max_version = c.max_version, .sigalgs = c.sigalgs});
  TlsSession client(*cctx), server(*server_);
  ASSERT_TRUE(handshake(client, server)) << server.failure() << " / " << client.failure();
  EXPECT_EQ(peer_key_type(client), c.key_type);
  const Suite& s = Suite::get();
  EXPECT_EQ(peer_fingerprint(client),
            TestPki::fingerprint(c.key_type == EVP_PKEY_EC ? s.ec_mail.cert : s.rsa_mail.cert));
}

INSTANTIATE_TEST_SUITE_P(
    All, Sigalgs,
    ::testing::Values(SigalgCase{TLS1_3_VERSION, "ECDSA+SHA256:ECDSA+SHA384", EVP_PKEY_EC},
                      SigalgCase{TLS1_3_VERSION, "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384", EVP_PKEY_RSA},
                      SigalgCase{TLS1_2_VERSION, "ECDSA+SHA256:ECDSA+SHA384", EVP_PKEY_EC},
                      SigalgCase{TLS1_2_VERSION, "RSA+SHA256:rsa_pss_rsae_sha256", EVP_PKEY_RSA}));

TEST_F(Handshake, SniSelectsTheCertificate) {
  const Suite& s = Suite::get();
  struct Case {
    const char* name;
    X509* expect;
  } cases[] = {
      {"other.example.test", s.ec_other.cert},
      {"OTHER.Example.Test", s.ec_other.cert},
      {"mx1.wild.example.test", s.ec_other.cert},
      {"a.b.wild.example.test", s.ec_mail.cert},  // a wildcard is one label
      {"wild.example.test", s.ec_mail.cert},
      {"unknown.test", s.ec_mail.cert},  // unknown: the first file's names
      {"", s.ec_mail.cert},              // no SNI at all
  };
  for (const Case& c : cases) {
    auto cctx = make_client({.sigalgs = "ECDSA+SHA256", .server_name = c.name});
    TlsSession client(*cctx), server(*server_);
    ASSERT_TRUE(handshake(client, server)) << c.name << ": " << server.failure();
    EXPECT_EQ(peer_fingerprint(client), TestPki::fingerprint(c.expect)) << c.name;
    EXPECT_EQ(server.sni(), c.name);
  }
  EXPECT_EQ(server_->context_count(), 2u);
  EXPECT_EQ(server_->ctx_for_name("mail.example.test."), server_->default_ctx());
  EXPECT_NE(server_->ctx_for_name("other.example.test"), server_->default_ctx());
}

// A client that stops at TLS 1.1 against the default floor: both sides fail,
// and the server's reason names what the client offered (FIELD-NOTES).
TEST_F(Handshake, BelowTheFloorFailsAndSaysWhatWasOffered) {
  auto cctx = make_client({.max_version = TLS1_1_VERSION, .min_version = TLS1_VERSION, .security_level = 0});
  TlsSession client(*cctx), server(*server_);
  EXPECT_FALSE(handshake(client, server));
  EXPECT_EQ(server.state(), TlsState::Failed);
  EXPECT_EQ(client.state(), TlsState::Failed);
  const std::string& why = server.failure();
  EXPECT_NE(why.find("unsupported protocol"), std::string::npos) << why;
  EXPECT_NE(why.find("client offered versions TLSv1.1"), std::string::npos) << why;
  EXPECT_NE(why.find("ciphers ECDHE-"), std::string::npos) << why;
  EXPECT_NE(why.find("alert sent: fatal protocol version"), std::string::npos) << why;
  EXPECT_NE(client.failure().find("alert received: fatal protocol version"), std::string::npos) << client.failure();
}

// A profile that lowers the floor (port 25, opportunistic) really speaks TLS 1.1 and 1.0.
TEST_F(Handshake, LoweredFloorAcceptsOldClients) {
  TlsServerSettings settings = Suite::get().server_settings();
  settings.min_version = TLS1_VERSION;
  auto server_ctx = make_server(settings);
  for (int version : {TLS1_1_VERSION, TLS1_VERSION}) {
    auto cctx = make_client({.max_version = version, .min_version = TLS1_VERSION, .security_level = 0});
    TlsSession client(*cctx), server(*server_ctx);
    ASSERT_TRUE(handshake(client, server)) << server.failure();
    EXPECT_EQ(server.version_name(), version == TLS1_VERSION ? "TLSv1" : "TLSv1.1");
    EXPECT_EQ(server.cipher_name().rfind("ECDHE-", 0), 0u) << server.cipher_name();
  }
}

// TLS-3: a renegotiating ClientHello ends the session on our side.
TEST_F(Handshake, RenegotiationIsRefused) {
  auto cctx = make_client({.max_version = TLS1_2_VERSION});
  TlsSession client(*cctx), server(*server_);
  ASSERT_TRUE(handshake(client, server)) << server.failure();
  SSL_clear_options(client.native(), SSL_OP_NO_RENEGOTIATION);  // our client leg refuses too; this one tries
  ASSERT_EQ(SSL_renegotiate(client.native()), 1);
  SSL_do_handshake(client.native());  // sends the new ClientHello
  ASSERT_GT(move_bytes(client, server), 0u);
  char buf[64];
  EXPECT_EQ(server.read_plaintext(buf, sizeof buf), 0u);
  EXPECT_EQ(server.state(), TlsState::Failed);
  EXPECT_NE(server.failure().find("renegotiation refused"), std::string::npos) << server.failure();
  EXPECT_EQ(server.handshake().alert_sent, "warning no renegotiation");
  EXPECT_EQ(server.write_plaintext("250 ok\r\n"), 0u);  // nothing more goes out
  // The client, for its part, gives up on the refused renegotiation.
  move_bytes(server, client);
  EXPECT_EQ(SSL_do_handshake(client.native()), -1);
}

TEST_F(Handshake, CloseNotifyBothWays) {
  auto cctx = make_client({});
  TlsSession client(*cctx), server(*server_);
  ASSERT_TRUE(handshake(client, server));
  EXPECT_EQ(client.close(), TlsState::Established);  // ours sent, theirs pending
  move_bytes(client, server);
  char buf[64];
  EXPECT_EQ(server.read_plaintext(buf, sizeof buf), 0u);
  EXPECT_EQ(server.state(), TlsState::Closed);
  move_bytes(server, client);
  EXPECT_EQ(client.advance(), TlsState::Closed);
}

// TLS-8: the TCP stream ends without close_notify.
TEST_F(Handshake, TruncationIsAFailure) {
  auto cctx = make_client({});
  TlsSession client(*cctx), server(*server_);
  ASSERT_TRUE(handshake(client, server));
  server.peer_eof();
  char buf[64];
  EXPECT_EQ(server.read_plaintext(buf, sizeof buf), 0u);
  EXPECT_EQ(server.state(), TlsState::Failed);
  EXPECT_NE(server.failure().find("unexpected eof"), std::string::npos) << server.failure();
}

TEST_F(Handshake, BackendVerification) {
  const Suite& s = Suite::get();
  {
    auto cctx = make_client({.verify = BackendVerify::CaFile, .ca_file = s.pki.ca_file()});
    TlsSession client(*cctx), server(*server_);
    ASSERT_TRUE(handshake(client, server)) << client.failure();
    EXPECT_EQ(client.peer_verify_result(), "verified");
  }
  {
    auto cctx = make_client({});
    TlsSession client(*cctx), server(*server_);
    ASSERT_TRUE(handshake(client, server));
    EXPECT_EQ(client.peer_verify_result(), "not verified");
  }
  {  // the name the backend leg expects is not on the certificate: fail closed
    auto cctx = make_client(
        {.verify = BackendVerify::CaFile, .ca_file = s.pki.ca_file(), .server_name = "backend.example.test"});
    TlsSession client(*cctx), server(*server_);
    EXPECT_FALSE(handshake(client, server));
    EXPECT_EQ(client.state(), TlsState::Failed);
    EXPECT_NE(client.failure().find("certificate: hostname mismatch"), std::string::npos) << client.failure();
  }
  {  // a CA we do not trust
    TestPki other;
    auto cctx = make_client({.verify = BackendVerify::CaFile, .ca_file = other.ca_file()});
    TlsSession client(*cctx), server(*server_);
    EXPECT_FALSE(handshake(client, server));
    EXPECT_NE(client.failure().find("certificate verify failed"), std::string::npos) << client.failure();
  }
}

}  // namespace
}  // namespace sluice::tls::test
