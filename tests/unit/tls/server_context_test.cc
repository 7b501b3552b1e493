// Building a server profile: every bad file is refused with its path and the
// reason an administrator can act on; a certificate about to expire is a warning.
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/tls/tls_fixture.h"
#include "tls/pem_bundle.h"

namespace sluice::tls::test {
namespace {

struct Built {
  std::unique_ptr<TlsServerContext> ctx;
  std::string error;
  std::vector<std::string> warnings;
};

Built build(std::vector<std::string> files, TlsServerSettings settings = {}) {
  settings.cert_files = std::move(files);
  Built b;
  b.ctx = TlsServerContext::build(settings, &b.error, &b.warnings);
  return b;
}

// Expect a refusal whose message starts with the file and contains `reason`.
void expect_refused(const std::string& path, const std::string& reason) {
  Built b = build({Suite::get().ec_mail_file, path});
  EXPECT_EQ(b.ctx, nullptr);
  EXPECT_EQ(b.error.rfind(path + ": ", 0), 0u) << b.error;
  EXPECT_NE(b.error.find(reason), std::string::npos) << b.error;
}

TEST(ServerContext, GoodFilesBuild) {
  Built b = build(Suite::get().server_settings().cert_files);
  ASSERT_NE(b.ctx, nullptr) << b.error;
  EXPECT_TRUE(b.warnings.empty());
  EXPECT_EQ(b.ctx->context_count(), 2u);
  SSL_CTX* ctx = b.ctx->default_ctx();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  long opts = long(SSL_CTX_get_options(ctx));
  EXPECT_TRUE(opts & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(opts & SSL_OP_NO_COMPRESSION);
  EXPECT_FALSE(opts & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_EQ(SSL_CTX_get_max_early_data(ctx), 0u);
  EXPECT_TRUE(SSL_CTX_get_mode(ctx) & SSL_MODE_ASYNC);
}

TEST(ServerContext, DefaultCiphersHaveNoWeakSuite) {
  Built b = build({Suite::get().rsa_mail_file});
  ASSERT_NE(b.ctx, nullptr) << b.error;
  STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(b.ctx->default_ctx());
  ASSERT_GT(sk_SSL_CIPHER_num(list), 3);
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i));
    for (const char* weak : {"NULL", "EXP", "RC4", "DES", "MD5", "PSK", "SRP", "ADH", "AECDH", "anon"})
      EXPECT_EQ(name.find(weak), std::string::npos) << name;
    int kx = SSL_CIPHER_get_kx_nid(sk_SSL_CIPHER_value(list, i));
    EXPECT_TRUE(kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any) << name << ": no forward secrecy";
  }
}

TEST(ServerContext, UnreadableFile) { expect_refused(Suite::get().pki.dir() + "/missing.pem", "unreadable"); }

TEST(ServerContext, NoCertificate) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"nocert.example.test"});
  expect_refused(pki.write("nocert.pem", Issued{nullptr, leaf.key}, false), "no certificate");
}

TEST(ServerContext, NoKey) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"nokey.example.test"});
  expect_refused(pki.write("nokey.pem", leaf, true, nullptr, false), "no private key");
}

TEST(ServerContext, KeyDoesNotMatch) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"mismatch.example.test"});
  Issued other = pki.issue(KeyKind::EcdsaP256, {"mismatch.example.test"});
  expect_refused(pki.write("mismatch.pem", leaf, true, other.key), "does not match the certificate");
}

TEST(ServerContext, ChainIncomplete) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"nochain.example.test"});
  expect_refused(pki.write("leafonly.pem", leaf, false), "chain incomplete: the file holds only the leaf");
  // A leaf followed by somebody else's CA.
  TestPki other;
  std::string path = pki.dir() + "/wrongca.pem";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_EQ(::fchmod(::fileno(f), 0600), 0);  // owner-only, so the chain is what is judged (TLS-4)
  PEM_write_X509(f, leaf.cert);
  PEM_write_X509(f, other.ca_cert());
  PEM_write_PrivateKey(f, leaf.key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  expect_refused(path, "chain incomplete: ");
}

TEST(ServerContext, SelfSignedLeafAloneIsAComplete_chain) {
  TestPki& pki = Suite::get().pki;
  Issued self = pki.self_signed(KeyKind::EcdsaP256, {"self.example.test"});
  Built b = build({pki.write("self.pem", self, false)});
  EXPECT_NE(b.ctx, nullptr) << b.error;
}

TEST(ServerContext, Expired) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"expired.example.test"}, -30, -1);
  expect_refused(pki.write("expired.pem", leaf), "is expired");
}

TEST(ServerContext, NotYetValid) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"future.example.test"}, 2, 300);
  expect_refused(pki.write("future.pem", leaf), "is not yet valid");
}

TEST(ServerContext, ExpiringSoonIsAWarning) {
  TestPki& pki = Suite::get().pki;
  Issued leaf = pki.issue(KeyKind::EcdsaP256, {"soon.example.test"}, -300, 10);
  std::string path = pki.write("soon.pem", leaf);
  Built b = build({path});
  ASSERT_NE(b.ctx, nullptr) << b.error;
  ASSERT_EQ(b.warnings.size(), 1u);
  EXPECT_EQ(b.warnings[0].rfind(path + ": certificate ", 0), 0u) << b.warnings[0];
  // 10 days less the seconds this test took: 9 or 10 whole days.
  EXPECT_TRUE(b.warnings[0].find("expires in 10 days") != std::string::npos ||
              b.warnings[0].find("expires in 9 days") != std::string::npos)
      << b.warnings[0];

  TlsServerSettings quiet;
  quiet.expiry_warning_days = 5;
  EXPECT_TRUE(build({path}, quiet).warnings.empty());
}

TEST(ServerContext, SecondCertificateOfOneKeyTypeForTheSameNames) {
  TestPki& pki = Suite::get().pki;
  Issued again = pki.issue(KeyKind::EcdsaP256, {"mail.example.test"});
  std::string path = pki.write("ec_mail_again.pem", again);
  Built b = build({Suite::get().ec_mail_file, path});
  EXPECT_EQ(b.ctx, nullptr);
  EXPECT_EQ(b.error, path + ": a second ECDSA certificate for the names of " + Suite::get().ec_mail_file);
}

TEST(ServerContext, BadSettings) {
  TlsServerSettings s;
  s.ciphers12 = "NOTHING-LIKE-THIS";
  Built b = build({Suite::get().ec_mail_file}, s);
  EXPECT_EQ(b.ctx, nullptr);
  EXPECT_NE(b.error.find("ciphers12"), std::string::npos) << b.error;

  s = {};
  s.ciphersuites13 = "TLS_NOPE";
  b = build({Suite::get().ec_mail_file}, s);
  EXPECT_NE(b.error.find("ciphersuites13"), std::string::npos) << b.error;

  b = build({});
  EXPECT_EQ(b.error, "no certificate file given");
}

// THREATS TLS-4: a key file another account can read (or replace) is refused,
// naming the file and its mode, as sshd and `postfix check` do.
TEST(ServerContext, KeyFileOpenToGroupOrOthersIsRefused) {
  TestPki& pki = Suite::get().pki;
  std::string path = pki.write("ec_mail_open.pem", Suite::get().ec_mail);
  for (mode_t mode : {0640, 0604, 0644, 0620, 0660, 0601}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    char octal[8];
    std::snprintf(octal, sizeof octal, "0%o", unsigned(mode));
    Built b = build({path});
    EXPECT_EQ(b.ctx, nullptr) << octal;
    EXPECT_EQ(b.error, path + ": private key file is accessible by group or others (mode " + octal +
                           "); chmod 600 it (THREATS TLS-4)");
  }
}

TEST(ServerContext, KeyFileOwnerOnlyIsAccepted) {
  TestPki& pki = Suite::get().pki;
  std::string path = pki.write("ec_mail_closed.pem", Suite::get().ec_mail);
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    Built b = build({path});
    EXPECT_NE(b.ctx, nullptr) << b.error;
  }
}

TEST(ServerContext, KeyFileOwnedByAnotherAccountIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file away needs root";
  TestPki& pki = Suite::get().pki;
  std::string path = pki.write("ec_mail_foreign.pem", Suite::get().ec_mail);
  ASSERT_EQ(::chown(path.c_str(), 54321, 54321), 0);  // an account that is neither root nor us
  Built b = build({path});
  EXPECT_EQ(b.ctx, nullptr);
  EXPECT_EQ(b.error, path + ": private key file is owned by uid 54321, neither root nor the daemon's uid 0 "
                            "(mode 0600); chown it (THREATS TLS-4)");
}

// A file without a key is named for the missing key, not for its mode.
TEST(ServerContext, MissingKeyIsReportedBeforeTheFileMode) {
  TestPki& pki = Suite::get().pki;
  std::string path = pki.write("ec_mail_nokey_open.pem", Suite::get().ec_mail, true, nullptr, false);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  expect_refused(path, "no private key");
}

TEST(KeyFileProtection, Rules) {
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0600, 0, 0), "");
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0400, 0, 110), "");     // root's key, daemon uid 110
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0600, 110, 110), "");   // the daemon's own key
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0700, 110, 110), "");   // owner bits are the owner's business
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0640, 0, 0),
            "private key file is accessible by group or others (mode 0640); chmod 600 it (THREATS TLS-4)");
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0602, 110, 110),
            "private key file is accessible by group or others (mode 0602); chmod 600 it (THREATS TLS-4)");
  EXPECT_EQ(key_file_protection_problem(S_IFREG | 0600, 1000, 110),
            "private key file is owned by uid 1000, neither root nor the daemon's uid 110 (mode 0600); chown it "
            "(THREATS TLS-4)");
}

}  // namespace
}  // namespace sluice::tls::test
