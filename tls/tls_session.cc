#include "tls/tls_session.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"

namespace sluice::tls {
namespace {

// Largest TLS plaintext record, and a bound on what a record adds on the wire
// (header, explicit IV, MAC or tag, padding) for every suite we allow.
constexpr size_t kMaxRecordPlaintext = 16384;
constexpr size_t kRecordOverhead = 256;

// OpenSSL's error queue for this thread, oldest first, "; "-joined, then cleared.
std::string drain_errors() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace

const char* state_name(TlsState s) {
  switch (s) {
    case TlsState::Handshaking: return "handshaking";
    case TlsState::Established: return "established";
    case TlsState::WantAsync: return "want-async";
    case TlsState::Closed: return "closed";
    case TlsState::Failed: return "failed";
  }
  return "?";
}

TlsSession::TlsSession(const TlsServerContext& ctx, const TlsSessionLimits& limits) {
  ssl_ = SSL_new(ctx.default_ctx());
  is_server_ = true;
  attach(limits);
}

TlsSession::TlsSession(const TlsClientContext& ctx, std::string_view server_name, const TlsSessionLimits& limits) {
  ssl_ = SSL_new(ctx.ctx());
  is_server_ = false;
  server_name_ = server_name.empty() ? ctx.settings().server_name : std::string(server_name);
  verify_peer_ = ctx.settings().verify == BackendVerify::CaFile;
  if (ssl_ != nullptr && !server_name_.empty()) {
    // SNI carries host names only; an IP literal is verified as an IP.
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(server_name_.c_str());
    ERR_clear_error();  // "not an IP address" is the common answer, not an error
    if (ip != nullptr) {
      ASN1_OCTET_STRING_free(ip);
      if (verify_peer_) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), server_name_.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, server_name_.c_str());
      if (verify_peer_) SSL_set1_host(ssl_, server_name_.c_str());
    }
  }
  attach(limits);
}

TlsSession::TlsSession(SSL* ssl, bool is_server, const TlsSessionLimits& limits) : ssl_(ssl), is_server_(is_server) {
  attach(limits);
}

void TlsSession::attach(const TlsSessionLimits& limits) {
  BIO* inner = nullptr;
  size_t size = std::max(limits.ciphertext_buffer, kMaxRecordPlaintext + kRecordOverhead);
  if (ssl_ == nullptr || BIO_new_bio_pair(&inner, size, &network_, size) != 1) {
    fail("setup", drain_errors());
    return;
  }
  SSL_set_bio(ssl_, inner, inner);
  SSL_set_ex_data(ssl_, handshake_record_index(), &record_);
  SSL_set_msg_callback(ssl_, observe_message);
  if (is_server_) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // frees the inner BIO
  if (network_ != nullptr) BIO_free(network_);
}

size_t TlsSession::feed_ciphertext(std::string_view bytes) {
  if (network_ == nullptr) return 0;
  size_t used = 0;
  while (used < bytes.size()) {
    char* room = nullptr;
    int n = BIO_nwrite0(network_, &room);  // contiguous free space in the ring
    if (n <= 0) break;
    size_t take = std::min(size_t(n), bytes.size() - used);
    std::memcpy(room, bytes.data() + used, take);
    BIO_nwrite(network_, &room, int(take));
    used += take;
  }
  return used;
}

void TlsSession::peer_eof() {
  if (network_ != nullptr) BIO_shutdown_wr(network_);
}

std::string_view TlsSession::pending_ciphertext() {
  if (network_ == nullptr) return {};
  char* data = nullptr;
  int n = BIO_nread0(network_, &data);
  return n > 0 ? std::string_view(data, size_t(n)) : std::string_view();
}

void TlsSession::ciphertext_sent(size_t n) {
  char* data = nullptr;
  if (network_ != nullptr && n > 0) BIO_nread(network_, &data, int(n));
}

TlsState TlsSession::settled_state() const {
  return SSL_is_init_finished(ssl_) ? TlsState::Established : TlsState::Handshaking;
}

void TlsSession::fail(const char* operation, std::string reason) {
  state_ = TlsState::Failed;
  if (!failure_.empty()) return;  // the first cause is the one worth logging
  failure_ = std::string(operation) + ": " + (reason.empty() ? "error" : reason);
  if (!record_.alert_sent.empty()) failure_ += "; alert sent: " + record_.alert_sent;
  if (!record_.alert_received.empty()) failure_ += "; alert received: " + record_.alert_received;
  if (!is_server_ && ssl_ != nullptr) {
    long v = SSL_get_verify_result(ssl_);
    if (verify_peer_ && v != X509_V_OK) failure_ += std::string("; certificate: ") + X509_verify_cert_error_string(v);
  }
  if (is_server_ && record_.saw_client_hello) {
    failure_ += "; client offered versions " + record_.offered_versions + ", ciphers " + record_.offered_ciphers;
    if (record_.offered_cipher_count > kOfferedCipherNames)
      failure_ += " (+" + std::to_string(record_.offered_cipher_count - kOfferedCipherNames) + " more)";
  }
}

TlsState TlsSession::after_error(int ret, const char* operation) {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      state_ = settled_state();  // more bytes in, or pending ciphertext out first
      break;
    case SSL_ERROR_WANT_ASYNC:
      state_ = TlsState::WantAsync;
      break;
    case SSL_ERROR_WANT_ASYNC_JOB:
      // The async job pool is exhausted: nothing to wait on, retry on the next event.
      state_ = settled_state();
      break;
    case SSL_ERROR_ZERO_RETURN:
      // The peer's close_notify: answer with ours, and the session is over.
      if (!SSL_is_init_finished(ssl_)) {
        fail(operation, "peer closed during the handshake");
      } else {
        SSL_shutdown(ssl_);
        ERR_clear_error();
        state_ = TlsState::Closed;
      }
      break;
    case SSL_ERROR_SYSCALL: {
      std::string errors = drain_errors();
      fail(operation, errors.empty() ? "connection closed without close_notify" : errors);
      break;
    }
    default:
      fail(operation, drain_errors());
      break;
  }
  return state_;
}

TlsState TlsSession::advance() {
  if (state_ == TlsState::Failed || state_ == TlsState::Closed) return state_;
  if (close_sent_) return shutdown_step();
  if (!SSL_is_init_finished(ssl_)) {
    ERR_clear_error();  // SSL_get_error trusts the queue: another session's leftovers would read as ours
    int r = SSL_do_handshake(ssl_);
    if (r != 1) return after_error(r, "handshake");
    record_.handshake_done = true;
  }
  state_ = TlsState::Established;
  return state_;
}

size_t TlsSession::read_plaintext(char* buf, size_t cap) {
  if (state_ == TlsState::Failed || state_ == TlsState::Closed || cap == 0) return 0;
  size_t n = 0;
  ERR_clear_error();
  int r = SSL_read_ex(ssl_, buf, cap, &n);
  if (record_.renegotiation_attempt) {
    // OpenSSL answered with a no_renegotiation warning; we also end the
    // session so a client cannot loop ClientHellos under our limits (TLS-3).
    fail("read", "client-initiated renegotiation refused");
    return 0;
  }
  if (r == 1) {
    if (state_ == TlsState::WantAsync) state_ = TlsState::Established;
    record_.handshake_done = true;
    return n;
  }
  after_error(r, "read");
  return 0;
}

size_t TlsSession::write_plaintext(std::string_view bytes) {
  if (state_ != TlsState::Established && state_ != TlsState::WantAsync) return 0;
  if (close_sent_) return 0;
  size_t used = 0;
  while (used < bytes.size()) {
    size_t len;
    if (pending_write_ > 0) {
      // OpenSSL holds part of an earlier write: it must be retried with the same length.
      len = pending_write_;
      if (bytes.size() - used < len) break;
    } else {
      size_t room = BIO_ctrl_get_write_guarantee(SSL_get_wbio(ssl_));
      if (room <= kRecordOverhead) break;  // full: the caller drains, then offers again
      len = std::min({bytes.size() - used, room - kRecordOverhead, kMaxRecordPlaintext});
    }
    size_t written = 0;
    ERR_clear_error();
    int r = SSL_write_ex(ssl_, bytes.data() + used, len, &written);
    if (r == 1) {
      pending_write_ = 0;
      used += written;
      if (state_ == TlsState::WantAsync) state_ = TlsState::Established;
      continue;
    }
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_ASYNC || err == SSL_ERROR_WANT_READ) {
      pending_write_ = len;
      after_error(r, "write");
    } else {
      after_error(r, "write");
    }
    break;
  }
  return used;
}

TlsState TlsSession::close() {
  if (state_ == TlsState::Failed || state_ == TlsState::Closed) return state_;
  if (!SSL_is_init_finished(ssl_)) {
    // Nothing to protect yet: just stop.
    state_ = TlsState::Closed;
    return state_;
  }
  close_sent_ = true;
  return shutdown_step();
}

// One step of the close_notify exchange: Closed once both sides' alerts have crossed.
TlsState TlsSession::shutdown_step() {
  ERR_clear_error();
  const int r = SSL_shutdown(ssl_);
  if (r == 1) {
    state_ = TlsState::Closed;
  } else if (r < 0) {
    after_error(r, "shutdown");
  }
  return state_;
}

std::string TlsSession::version_name() const {
  return SSL_is_init_finished(ssl_) ? SSL_get_version(ssl_) : "";
}

std::string TlsSession::cipher_name() const {
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
  return c != nullptr ? SSL_CIPHER_get_name(c) : "";
}

std::string TlsSession::sni() const {
  if (!is_server_) return server_name_;
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

std::string TlsSession::peer_verify_result() const {
  if (is_server_ || !SSL_is_init_finished(ssl_)) return "";
  if (!verify_peer_) return "not verified";
  long v = SSL_get_verify_result(ssl_);
  return v == X509_V_OK ? "verified" : std::string("failed: ") + X509_verify_cert_error_string(v);
}

size_t TlsSession::async_fds(OSSL_ASYNC_FD* fds, size_t cap) const {
  size_t count = 0;
  if (SSL_get_all_async_fds(ssl_, nullptr, &count) != 1) return 0;
  if (count <= cap && fds != nullptr) SSL_get_all_async_fds(ssl_, fds, &count);
  return count;
}

}  // namespace sluice::tls
