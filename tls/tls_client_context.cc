#include "tls/tls_client_context.h"

#include <openssl/err.h>

namespace sluice::tls {

std::unique_ptr<TlsClientContext> TlsClientContext::build(const TlsClientSettings& settings, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<TlsClientContext> {
    if (error != nullptr) *error = why;
    ERR_clear_error();
    return nullptr;
  };
  if (settings.min_version < TLS1_VERSION || settings.min_version > TLS1_3_VERSION)
    return fail("min_version: must be TLSv1 .. TLSv1.3");
  if (settings.verify == BackendVerify::CaFile && settings.ca_file.empty())
    return fail("ca_file: required to verify the backend");

  std::unique_ptr<TlsClientContext> self(new TlsClientContext);
  self->settings_ = settings;
  self->ctx_ = SSL_CTX_new(TLS_client_method());
  if (self->ctx_ == nullptr) return fail("cannot create a TLS context");
  SSL_CTX* ctx = self->ctx_;
  SSL_CTX_set_min_proto_version(ctx, settings.min_version);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (settings.async) SSL_CTX_set_mode(ctx, SSL_MODE_ASYNC);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (settings.verify == BackendVerify::CaFile) {
    if (SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr) != 1)
      return fail(settings.ca_file + ": cannot load CA certificates");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return self;
}

TlsClientContext::~TlsClientContext() { SSL_CTX_free(ctx_); }

}  // namespace sluice::tls
