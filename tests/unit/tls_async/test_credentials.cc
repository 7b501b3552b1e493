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
