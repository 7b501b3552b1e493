// tests/unit/tls_async/test_credentials.cc — see test_credentials.h.
#include "tests/unit/tls_async/test_credentials.h"

#include <openssl/err.h>
#include <openssl/evp.h>

namespace sluice::tls::test {
namespace {

std::string failed(const std::string& what) {
  char text[256] = "";
  ERR_error_string_n(ERR_peek_last_error(), text, sizeof text);
  ERR_clear_error();
  return what + ": " + text;
}

}  // namespace

Credential::~Credential() {
  EVP_PKEY_free(key);
  X509_free(cert);
}

bool make_credential(KeyType type, Credential* out, std::string* error) {
  const bool rsa = type == KeyType::rsa2048;
  out->key = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (out->key == nullptr) {
    *error = failed("key generation");
    return false;
  }
  out->cert = X509_new();
  X509_NAME* name = X509_NAME_new();
  const auto* cn = reinterpret_cast<const unsigned char*>(rsa ? "rsa.test.sluice" : "ecdsa.test.sluice");
  const bool ok = out->cert != nullptr && name != nullptr && X509_set_version(out->cert, X509_VERSION_3) == 1 &&
                  ASN1_INTEGER_set(X509_get_serialNumber(out->cert), rsa ? 1 : 2) == 1 &&
                  X509_gmtime_adj(X509_getm_notBefore(out->cert), -3600) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(out->cert), 86400) != nullptr &&
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1 &&
                  X509_set_subject_name(out->cert, name) == 1 && X509_set_issuer_name(out->cert, name) == 1 &&
                  X509_set_pubkey(out->cert, out->key) == 1 && X509_sign(out->cert, out->key, EVP_sha256()) > 0;
  X509_NAME_free(name);
  if (!ok) *error = failed("self-signed certificate");
  return ok;
}

SSL_CTX* make_server_ctx(X509* cert, EVP_PKEY* private_key, bool async_mode, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  const bool ok = ctx != nullptr && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
                  SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, private_key) == 1 &&
                  SSL_CTX_check_private_key(ctx) == 1 && SSL_CTX_set_num_tickets(ctx, 0) == 1;
  if (!ok) {
    *error = failed("server context");
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (async_mode) SSL_CTX_set_mode(ctx, SSL_MODE_ASYNC);
  return ctx;
}

SSL_CTX* make_client_ctx(int version, X509* const* trusted, int trusted_count, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  bool ok = ctx != nullptr && SSL_CTX_set_min_proto_version(ctx, version) == 1 &&
            SSL_CTX_set_max_proto_version(ctx, version) == 1;
  for (int i = 0; ok && i < trusted_count; ++i) ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), trusted[i]) == 1;
  if (!ok) {
    *error = failed("client context");
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

}  // namespace sluice::tls::test
