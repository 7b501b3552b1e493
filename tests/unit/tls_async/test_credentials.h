// tests/unit/tls_async/test_credentials.h — the TLS contexts the async handshake tests use (their certificates
// come from tests/unit/tls/test_pki.h).
//
// Owns: a server SSL_CTX (optionally SSL_MODE_ASYNC) and a client SSL_CTX pinned to one TLS version that
// trusts the test certificates. Full handshakes only: no session cache, no tickets, so every handshake signs once.
// May call: OpenSSL.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace sluice::tls::test {

// A server context presenting cert with private_key (which may be an offloaded key). nullptr on failure.
SSL_CTX* make_server_ctx(X509* cert, EVP_PKEY* private_key, bool async_mode, std::string* error);

// A client context speaking only `version` (TLS1_2_VERSION, TLS1_3_VERSION) that verifies the server
// against the given certificates.
SSL_CTX* make_client_ctx(int version, X509* const* trusted, int trusted_count, std::string* error);

}  // namespace sluice::tls::test
