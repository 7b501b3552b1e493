// tls/tls_server_context.h — the server side of one TLS profile (Sluice facing
// the sending MTA with the protected server's own certificates).
//
// Owns: loading and validating the PEM files (leaf, chain, key), one SSL_CTX
// per set of certificate names (RSA and ECDSA side by side in each, OpenSSL
// picks by the client's signature algorithms), SNI selection among them, the
// protocol policy (minimum version, cipher lists, no renegotiation, no 0-RTT,
// no compression, the client's cipher order), and session-ticket keys that
// rotate (current + previous, from RAND_bytes).
// May call: OpenSSL (libssl, libcrypto), tls/handshake_record.h and the C++
// standard library. Built on the control thread; the SSL_CTXs are then shared,
// read-only apart from the ticket keys (behind a mutex, touched once per
// handshake), by every TLS worker.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::tls {

// OpenSSL 3.0's DEFAULT minus what no inbound MTA needs and scanners flag as
// weak: no aNULL/eNULL, EXPORT, LOW, RC4, (3)DES, MD5, PSK, SRP, DSS, and no
// static-RSA key exchange (every suite left has forward secrecy). CBC-SHA
// suites stay: on port 25 a stricter list pushes old senders to plaintext
// (RFC 7435). This is what an empty `ciphers12` means.
inline constexpr const char* kDefaultCiphers12 =
    "DEFAULT:!aNULL:!eNULL:!EXPORT:!LOW:!RC4:!3DES:!DES:!MD5:!PSK:!SRP:!kRSA:!DSS:!CAMELLIA:!ARIA:!SEED:!IDEA";
// OpenSSL's own TLS 1.3 default: none of the five RFC 8446 suites it enables is
// weak (the CCM_8 ones stay off). This is what an empty `ciphersuites13` means.
inline constexpr const char* kDefaultCiphersuites13 =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

struct TlsServerSettings {
  // PEM files, each: the leaf certificate, its chain, its private key. The
  // first file's names are the default for unknown or absent SNI.
  std::vector<std::string> cert_files;
  int min_version = TLS1_2_VERSION;
  std::string ciphers12;       // empty: kDefaultCiphers12
  std::string ciphersuites13;  // empty: kDefaultCiphersuites13
  bool session_tickets = true;
  uint32_t ticket_key_lifetime_s = 3600;  // a key encrypts for this long, then decrypts for as long again
  bool async = true;                      // SSL_MODE_ASYNC: engine/provider offload may pause a handshake
  uint32_t expiry_warning_days = 30;      // a certificate expiring sooner is a warning
  // The configured crypto offload (tls/crypto_offload.h): each private key is handed to it so its operations
  // run there (OpenSSL 3 decodes PEM keys into its default provider, which never consults an engine). Returns
  // a new reference, or nullptr with *error. Empty: keys stay as loaded.
  std::function<EVP_PKEY*(EVP_PKEY*, std::string*)> offload_key;
};

class TlsServerContext {
 public:
  // nullptr and *error ("path: reason") if any file or setting is bad;
  // warnings (certificates about to expire) are appended to *warnings.
  static std::unique_ptr<TlsServerContext> build(const TlsServerSettings& settings, std::string* error,
                                                 std::vector<std::string>* warnings);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // The context new server SSLs start from (the first file's names).
  SSL_CTX* default_ctx() const { return contexts_.front().ctx; }
  // The context whose certificate names match `server_name` (exact, then
  // one-label wildcard), else the default. Case-insensitive, trailing dot ignored.
  SSL_CTX* ctx_for_name(std::string_view server_name) const;
  size_t context_count() const { return contexts_.size(); }

  // Make a new current key; the old current becomes previous (still decrypts,
  // tickets it opens are renewed); the old previous is wiped. Also happens by
  // itself when the current key is older than ticket_key_lifetime_s.
  void rotate_ticket_keys();

 private:
  struct Context {
    SSL_CTX* ctx = nullptr;
    std::vector<std::string> names;
    std::string first_file;
  };
  struct TicketKey {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
    int64_t created = 0;
  };

  TlsServerContext() = default;
  bool add_file(const TlsServerSettings& settings, const std::string& path, std::string* error,
                std::vector<std::string>* warnings);
  bool configure(SSL_CTX* ctx, const TlsServerSettings& settings, std::string* error);
  void rotate_locked(int64_t now);
  int ticket_key_cb(unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx,
                    int enc);
  static int ticket_key_trampoline(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx,
                                   EVP_MAC_CTX* hctx, int enc);
  static int servername_trampoline(SSL* ssl, int* alert, void* arg);

  std::vector<Context> contexts_;
  std::unordered_map<std::string, size_t> exact_names_;     // "mail.example.com" -> context
  std::unordered_map<std::string, size_t> wildcard_names_;  // "example.com" (from *.example.com) -> context
  uint32_t ticket_lifetime_s_ = 3600;

  std::mutex ticket_mutex_;
  TicketKey current_{};
  TicketKey previous_{};
  bool have_previous_ = false;
};

}  // namespace sluice::tls
