// tls/tls_client_context.h — the backend leg: Sluice as a TLS client of the
// protected server.
//
// Owns: one SSL_CTX for a backend profile: minimum version, whether and how the
// backend's certificate is verified (not at all, or against a CA file with the
// host name checked), the default SNI name, SSL_MODE_ASYNC.
// May call: OpenSSL (libssl, libcrypto), tls/handshake_record.h and the C++
// standard library. Built on the control thread, shared read-only by workers.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace sluice::tls {

enum class BackendVerify {
  None,    // encrypt only; the result is still logged as "not verified"
  CaFile,  // the chain must verify against ca_file and name the SNI host: fail closed otherwise (TLS-7)
};

struct TlsClientSettings {
  int min_version = TLS1_2_VERSION;
  BackendVerify verify = BackendVerify::None;
  std::string ca_file;      // PEM, one or more CA certificates (pinned or internal CA)
  std::string server_name;  // SNI sent and, with CaFile, the name the certificate must carry
  bool async = true;
};

class TlsClientContext {
 public:
  // nullptr and *error if a setting or the CA file is bad.
  static std::unique_ptr<TlsClientContext> build(const TlsClientSettings& settings, std::string* error);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  SSL_CTX* ctx() const { return ctx_; }
  const TlsClientSettings& settings() const { return settings_; }

 private:
  TlsClientContext() = default;
  SSL_CTX* ctx_ = nullptr;
  TlsClientSettings settings_;
};

}  // namespace sluice::tls
