// control/notify/smtp_connection.h — one TCP connection to a mail server, plain or TLS, read by SMTP reply.
//
// Owns: the socket (non-blocking, every wait a poll() bounded by the per-step timeout), the read buffer,
// the OpenSSL client context and session once TLS starts, and what the handshake revealed about the peer
// (version, cipher, certificate chain, verification). Writes each line it sends or receives to the
// transcript. Knows nothing of SMTP's order of commands: smtp_session drives it.
// May call: POSIX sockets, getaddrinfo, OpenSSL (libssl, libcrypto), the C++ standard library.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/notify/mail_types.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace sluice::control::notify {

// One SMTP reply: the three-digit code and every line as the server sent it (code included).
struct SmtpReply {
  int code = 0;
  std::vector<std::string> lines;
  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  // The lines joined with " / " (one line for error messages); "" before anything was read.
  std::string text() const;
  // The text after the code of each line ("PIPELINING", "SIZE 10240000", ...): EHLO's capability list.
  std::vector<std::string> bodies() const;
};

// What the TLS handshake showed about the server. Filled even when verification is off.
struct TlsPeerInfo {
  std::string version, cipher;
  std::string subject, issuer, not_after;        // RFC 2253 names; not_after as "2026-01-31T12:00:00Z"
  int64_t not_after_unix = 0;
  std::string sha256_fingerprint;                 // of the DER leaf, "AA:BB:..." uppercase
  std::vector<std::string> chain_subjects;        // as the server sent the chain, leaf first
  bool verified = false;
  std::string verify_error;                       // X509_verify_cert_error_string, "" when verified
};

struct TlsClientOptions {
  std::string server_name;   // SNI and the name checked against the certificate; "" when host is an IP
  std::string server_ip;     // checked against the certificate's IP SANs when host is an IP
  std::string ca_file;       // "" = OpenSSL default verify paths
  std::string client_cert;   // PEM with certificate (and chain) and key; "" = none
  bool verify = false;       // a failed verification fails the handshake
};

class SmtpConnection {
 public:
  using Clock = std::chrono::steady_clock;
  // transcript may be null. `started` is time zero of the transcript's at_us.
  SmtpConnection(const MailServer& server, Transcript* transcript, Clock::time_point started);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // Resolves host (IPv4, IPv6 or a name) and tries each address in turn within the timeout for each.
  bool connect(std::string* error);
  bool connected() const { return fd_ >= 0; }
  const std::string& address() const { return address_; }   // "10.0.0.2:25" or "[2001:db8::1]:25"
  const sockaddr_storage& peer() const { return peer_; }
  socklen_t peer_len() const { return peer_len_; }
  uint64_t connect_us() const { return connect_us_; }

  // Reads one complete reply (all continuation lines) within the timeout.
  bool read_reply(SmtpReply* reply, std::string* error);
  // Sends line + CRLF. `shown` replaces the line in the transcript (credentials).
  bool send_line(std::string_view line, std::string* error, std::string_view shown = {});
  // Sends bytes as they are (the DATA payload); the transcript gets `shown`.
  bool send_raw(std::string_view bytes, std::string_view shown, std::string* error);

  // Upgrades to TLS (after a 220 to STARTTLS, or at once for SMTPS).
  bool start_tls(const TlsClientOptions& options, std::string* error);
  bool tls_active() const { return ssl_ != nullptr; }
  const TlsPeerInfo& tls_info() const { return tls_info_; }

  void note(const char* direction, std::string text);
  uint64_t elapsed_us() const;

 private:
  bool wait(short events, Clock::time_point deadline, std::string* error, const char* what);
  bool fill(Clock::time_point deadline, std::string* error);     // reads more bytes into in_
  bool write_all(std::string_view bytes, std::string* error);
  bool read_line(Clock::time_point deadline, std::string* line, std::string* error);
  void collect_peer_info();
  Clock::time_point deadline() const;

  const MailServer& server_;
  Transcript* transcript_;
  Clock::time_point started_;
  int fd_ = -1;
  std::string address_;
  sockaddr_storage peer_{};
  socklen_t peer_len_ = 0;
  uint64_t connect_us_ = 0;
  std::string in_;                 // received, not yet consumed
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  TlsPeerInfo tls_info_;
};

}  // namespace sluice::control::notify
