// tls/tls_session.h — one TLS connection leg, either side, with no I/O of its own.
//
// Owns: one SSL and the in-memory BIO pair it talks through; driving the
// handshake, reads, writes and close_notify; turning OpenSSL's results into a
// small state machine; the failure text for the log (OpenSSL's reason, the
// alerts, and on the server side what the client offered).
// May call: OpenSSL (libssl), tls/tls_server_context.h, tls/tls_client_context.h,
// tls/handshake_record.h and the C++ standard library. The caller (a TLS worker)
// moves ciphertext between the session and TCP and plaintext between the
// session and the SMTP relay; nothing here blocks, allocates per record, or
// copies plaintext beyond OpenSSL's own record buffers.
//
// Ciphertext goes through a BIO pair, not two BIO_s_mem: the pair is bounded
// (a full pair is back-pressure, not growth) and lets pending_ciphertext()
// hand out OpenSSL's bytes in place (BIO_nread0) and ciphertext_sent() consume
// them without a copy, which BIO_s_mem cannot do.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "tls/handshake_record.h"

namespace sluice::tls {

class TlsServerContext;
class TlsClientContext;

enum class TlsState {
  Handshaking,
  Established,
  WantAsync,  // a crypto job is parked: wait for async_fds(), then repeat the call that returned this
  Closed,     // close_notify both ways (or ours sent after the peer's)
  Failed,     // failure() says why; flush pending_ciphertext() (it may hold an alert) and close TCP
};

const char* state_name(TlsState s);

struct TlsSessionLimits {
  // Bytes each direction of the BIO pair holds. One full record (16 KiB plus
  // overhead) must fit so a bulk write never stalls mid-record.
  size_t ciphertext_buffer = 20 * 1024;
};

class TlsSession {
 public:
  // Server leg: starts from the profile's default context; SNI may move it.
  explicit TlsSession(const TlsServerContext& ctx, const TlsSessionLimits& limits = {});
  // Backend leg: server_name overrides the context's (SNI and the verified name).
  explicit TlsSession(const TlsClientContext& ctx, std::string_view server_name = {},
                      const TlsSessionLimits& limits = {});
  // Takes ownership of an SSL made elsewhere (tests, diagnostics).
  TlsSession(SSL* ssl, bool is_server, const TlsSessionLimits& limits = {});
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext from the peer. Returns how much was taken: less than given
  // when the buffer is full; keep the rest and call advance()/read_plaintext().
  size_t feed_ciphertext(std::string_view bytes);
  // The peer's TCP stream ended. A later read without close_notify fails (truncation, TLS-8).
  void peer_eof();
  // Ciphertext to send, in place. May be only the first contiguous part:
  // call again after ciphertext_sent() until it is empty.
  std::string_view pending_ciphertext();
  void ciphertext_sent(size_t n);

  // Drives the handshake (and a close in progress). Call after feeding or
  // draining ciphertext and when an async fd signals.
  TlsState advance();
  // Plaintext from the peer, at most one record per call; 0 if none is ready
  // (or the state changed). After WantAsync, repeat with the same buf and cap.
  size_t read_plaintext(char* buf, size_t cap);
  // Plaintext to the peer: returns how much was taken (0 when the outgoing
  // buffer is full: drain pending_ciphertext() and offer the same bytes again).
  size_t write_plaintext(std::string_view bytes);
  // Sends close_notify; Closed once the peer's arrives (advance()/read_plaintext()).
  TlsState close();

  TlsState state() const { return state_; }
  bool is_server() const { return is_server_; }
  const std::string& failure() const { return failure_; }
  const HandshakeRecord& handshake() const { return record_; }
  std::string version_name() const;  // "TLSv1.3"; "" before the handshake
  std::string cipher_name() const;   // "TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256"
  std::string sni() const;           // server: the name the client asked for; client: the name sent
  // Client leg: "verified", "not verified" (verify none) or "failed: <reason>"; "" before the handshake.
  std::string peer_verify_result() const;
  bool session_reused() const { return SSL_session_reused(ssl_) == 1; }
  // The fds to poll while WantAsync; writes at most cap, returns how many there are.
  size_t async_fds(OSSL_ASYNC_FD* fds, size_t cap) const;
  SSL* native() const { return ssl_; }

 private:
  void attach(const TlsSessionLimits& limits);
  TlsState after_error(int ret, const char* operation);
  TlsState shutdown_step();
  void fail(const char* operation, std::string reason);
  TlsState settled_state() const;

  SSL* ssl_ = nullptr;
  BIO* network_ = nullptr;  // our end of the pair; SSL owns the other
  bool is_server_ = false;
  bool verify_peer_ = false;
  bool close_sent_ = false;
  size_t pending_write_ = 0;  // length of an SSL_write OpenSSL holds for a retry
  TlsState state_ = TlsState::Handshaking;
  std::string failure_;
  std::string server_name_;
  HandshakeRecord record_;
};

}  // namespace sluice::tls
