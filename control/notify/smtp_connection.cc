#include "control/notify/smtp_connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace sluice::control::notify {
namespace {

std::string format_address(const sockaddr* sa) {
  char ip[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
    return std::string("[") + ip + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
  inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(ntohs(in4->sin_port));
}

// The most specific thing OpenSSL said about the last failure.
std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) return {};
  const char* reason = ERR_reason_error_string(e);
  if (reason != nullptr) return reason;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string name_text(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len > 0 ? static_cast<size_t>(len) : 0);
  BIO_free(bio);
  return out;
}

// OpenSSL writes to the socket with write(2), so a peer that closed mid-conversation raises SIGPIPE, whose
// default action ends the daemon. Block it for this thread while OpenSSL runs and swallow one it caused.
class SigpipeShield {
 public:
  SigpipeShield() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeShield() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

}  // namespace

std::string SmtpReply::text() const {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += " / ";
    out += line;
  }
  return out;
}

std::vector<std::string> SmtpReply::bodies() const {
  std::vector<std::string> out;
  for (const std::string& line : lines) out.push_back(line.size() > 4 ? line.substr(4) : std::string());
  return out;
}

SmtpConnection::SmtpConnection(const MailServer& server, Transcript* transcript, Clock::time_point started)
    : server_(server), transcript_(transcript), started_(started) {}

SmtpConnection::~SmtpConnection() {
  if (ssl_ != nullptr) {
    SigpipeShield shield;
    SSL_shutdown(ssl_);   // one close_notify, best effort: the socket is non-blocking and about to close
    SSL_free(ssl_);
  }
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

uint64_t SmtpConnection::elapsed_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
}

void SmtpConnection::note(const char* direction, std::string text) {
  if (transcript_ != nullptr) transcript_->steps.push_back({elapsed_us(), direction, std::move(text)});
}

SmtpConnection::Clock::time_point SmtpConnection::deadline() const {
  return Clock::now() + std::chrono::milliseconds(server_.timeout_ms);
}

bool SmtpConnection::wait(short events, Clock::time_point until, std::string* error, const char* what) {
  for (;;) {
    // Rounded up: poll's millisecond granularity must not end a wait before its deadline.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) {
      *error = std::string("timed out after ") + std::to_string(server_.timeout_ms) + " ms waiting for " + what +
               " from " + address_;
      return false;
    }
    pollfd p{fd_, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;   // readable/writable, or an error the next call will report precisely
    if (n < 0 && errno != EINTR) {
      *error = std::string("poll: ") + std::strerror(errno);
      return false;
    }
  }
}

bool SmtpConnection::connect(std::string* error) {
  const std::string port = std::to_string(server_.effective_port());
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(server_.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    *error = "resolve " + server_.host + ": " + gai_strerror(rc);
    note("ERR", *error);
    return false;
  }
  std::string failures;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    std::string addr = format_address(ai->ai_addr);
    address_ = addr;
    auto begin = Clock::now();
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      failures += (failures.empty() ? "" : "; ") + ("socket for " + addr + ": " + std::strerror(errno));
      continue;
    }
    fd_ = fd;
    std::string why;
    bool ok = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!ok && errno == EINPROGRESS) {
      if (wait(POLLOUT, begin + std::chrono::milliseconds(server_.timeout_ms), &why, "the TCP connection")) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        ok = soerr == 0;
        if (!ok) why = std::strerror(soerr);
      } else {
        why = "timed out after " + std::to_string(server_.timeout_ms) + " ms";
      }
    } else if (!ok) {
      why = std::strerror(errno);
    }
    if (ok) {
      connect_us_ = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begin).count();
      std::memcpy(&peer_, ai->ai_addr, ai->ai_addrlen);
      peer_len_ = ai->ai_addrlen;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   // one command, one reply: no Nagle wait
      ::freeaddrinfo(list);
      note("TCP", "connected to " + addr);
      return true;
    }
    ::close(fd);
    fd_ = -1;
    failures += (failures.empty() ? "" : "; ") + ("connect to " + addr + ": " + why);
  }
  ::freeaddrinfo(list);
  *error = failures.empty() ? "resolve " + server_.host + ": no addresses" : failures;
  note("ERR", *error);
  return false;
}

bool SmtpConnection::fill(Clock::time_point until, std::string* error) {
  char buf[4096];
  for (;;) {
    if (ssl_ != nullptr) {
      SigpipeShield shield;
      ERR_clear_error();
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        return true;
      }
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ) {
        if (!wait(POLLIN, until, error, "a reply")) return false;
        continue;
      }
      if (err == SSL_ERROR_WANT_WRITE) {
        if (!wait(POLLOUT, until, error, "a reply")) return false;
        continue;
      }
      if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)) {
        *error = "connection closed by " + address_;
      } else {
        *error = "TLS read from " + address_ + " failed: " + openssl_reason();
      }
      return false;
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      *error = "connection closed by " + address_;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *error = "read from " + address_ + ": " + std::strerror(errno);
      return false;
    }
    if (!wait(POLLIN, until, error, "a reply")) return false;
  }
}

bool SmtpConnection::read_line(Clock::time_point until, std::string* line, std::string* error) {
  for (;;) {
    size_t nl = in_.find('\n');
    if (nl != std::string::npos) {
      size_t end = nl > 0 && in_[nl - 1] == '\r' ? nl - 1 : nl;
      if (end > server_.max_reply_line) break;
      line->assign(in_, 0, end);
      in_.erase(0, nl + 1);
      return true;
    }
    if (in_.size() > server_.max_reply_line) break;
    if (!fill(until, error)) return false;
  }
  *error = "reply line from " + address_ + " longer than max-reply-line (" + std::to_string(server_.max_reply_line) +
           " bytes)";
  return false;
}

bool SmtpConnection::read_reply(SmtpReply* reply, std::string* error) {
  reply->code = 0;
  reply->lines.clear();
  const auto until = deadline();   // the whole reply, continuation lines included, within one step's timeout
  for (;;) {
    std::string line;
    if (!read_line(until, &line, error)) {
      note("ERR", *error);
      return false;
    }
    note("S", line);
    bool digits = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                  std::isdigit(static_cast<unsigned char>(line[1])) && std::isdigit(static_cast<unsigned char>(line[2]));
    if (!digits || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      *error = "malformed reply line from " + address_ + ": '" + line + "'";
      note("ERR", *error);
      return false;
    }
    int code = std::stoi(line.substr(0, 3));
    if (reply->code != 0 && code != reply->code) {
      *error = "reply from " + address_ + " changes its code mid-reply: '" + line + "'";
      note("ERR", *error);
      return false;
    }
    reply->code = code;
    reply->lines.push_back(line);
    if (line.size() <= 3 || line[3] == ' ') return true;
    if (reply->lines.size() >= server_.max_reply_lines) {
      *error = "reply from " + address_ + " longer than max-reply-lines (" + std::to_string(server_.max_reply_lines) +
               ")";
      note("ERR", *error);
      return false;
    }
  }
}

bool SmtpConnection::write_all(std::string_view bytes, std::string* error) {
  const auto until = deadline();
  while (!bytes.empty()) {
    if (ssl_ != nullptr) {
      SigpipeShield shield;
      ERR_clear_error();
      int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
        if (!wait(err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, until, error, "room to send")) return false;
        continue;
      }
      *error = "TLS write to " + address_ + " failed: " +
               (ERR_peek_last_error() != 0 ? openssl_reason() : std::string(std::strerror(errno)));
      return false;
    }
    // MSG_NOSIGNAL: a peer that closed gives EPIPE here, not a SIGPIPE that would end the daemon.
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait(POLLOUT, until, error, "room to send")) return false;
      continue;
    }
    *error = "write to " + address_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool SmtpConnection::send_line(std::string_view line, std::string* error, std::string_view shown) {
  note("C", std::string(shown.empty() ? line : shown));
  std::string out(line);
  out += "\r\n";
  if (write_all(out, error)) return true;
  note("ERR", *error);
  return false;
}

bool SmtpConnection::send_raw(std::string_view bytes, std::string_view shown, std::string* error) {
  note("C", std::string(shown));
  if (write_all(bytes, error)) return true;
  note("ERR", *error);
  return false;
}

bool SmtpConnection::start_tls(const TlsClientOptions& options, std::string* error) {
  auto fail = [&](std::string why) {
    *error = std::move(why);
    note("ERR", *error);
    return false;
  };
  if (!in_.empty()) {
    // Bytes that arrived in plaintext after the server's 220 would be read as if they came through TLS:
    // the STARTTLS command-injection flaw (CVE-2011-0411 and kin). Refuse rather than trust them.
    return fail("server " + address_ + " sent " + std::to_string(in_.size()) +
                " bytes before the TLS handshake (STARTTLS injection); refusing");
  }
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return fail("TLS context: " + openssl_reason());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) != 1)
      return fail("CA file " + options.ca_file + ": " + openssl_reason());
  } else {
    SSL_CTX_set_default_verify_paths(ctx_);
  }
  if (!options.client_cert.empty()) {
    const char* path = options.client_cert.c_str();
    if (SSL_CTX_use_certificate_chain_file(ctx_, path) != 1)
      return fail("client certificate " + options.client_cert + ": " + openssl_reason());
    if (SSL_CTX_use_PrivateKey_file(ctx_, path, SSL_FILETYPE_PEM) != 1)
      return fail("client certificate " + options.client_cert + ": no usable private key: " + openssl_reason());
    if (SSL_CTX_check_private_key(ctx_) != 1)
      return fail("client certificate " + options.client_cert + ": key does not match certificate");
  }
  // Verification always runs (the probe reports its result); only `verify` makes a failure fatal.
  SSL_CTX_set_verify(ctx_, options.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return fail("TLS session: " + openssl_reason());
  if (!options.server_name.empty()) {
    SSL_set_tlsext_host_name(ssl_, options.server_name.c_str());
    SSL_set1_host(ssl_, options.server_name.c_str());
  } else if (!options.server_ip.empty()) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), options.server_ip.c_str());
  }
  const auto until = deadline();
  SigpipeShield shield;
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_connect(ssl_);
    if (rc == 1) break;
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      std::string why;
      if (!wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until, &why, "the TLS handshake"))
        return fail("TLS handshake with " + address_ + " failed: " + why);
      continue;
    }
    std::string reason = openssl_reason();
    if (reason.empty()) reason = errno != 0 ? std::strerror(errno) : "connection closed by the server";
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    collect_peer_info();
    return fail("TLS handshake with " + address_ + " failed: " + reason);
  }
  collect_peer_info();
  std::string summary = tls_info_.version + " " + tls_info_.cipher + ", certificate " + tls_info_.subject +
                        (tls_info_.verified ? " (verified)" : " (not verified: " + tls_info_.verify_error + ")");
  note("TLS", summary);
  return true;
}

void SmtpConnection::collect_peer_info() {
  tls_info_ = {};
  tls_info_.version = SSL_get_version(ssl_);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
  if (cipher != nullptr) tls_info_.cipher = SSL_CIPHER_get_name(cipher);
  long verify = SSL_get_verify_result(ssl_);
  X509* leaf = SSL_get0_peer_certificate(ssl_);
  tls_info_.verified = leaf != nullptr && verify == X509_V_OK;
  if (leaf == nullptr) {
    tls_info_.verify_error = "no certificate presented";
    return;
  }
  if (verify != X509_V_OK) tls_info_.verify_error = X509_verify_cert_error_string(verify);
  tls_info_.subject = name_text(X509_get_subject_name(leaf));
  tls_info_.issuer = name_text(X509_get_issuer_name(leaf));
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1) {
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    tls_info_.not_after = buf;
    tls_info_.not_after_unix = static_cast<int64_t>(timegm(&tm));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(leaf, EVP_sha256(), md, &len) == 1) {
    static const char* hex = "0123456789ABCDEF";
    for (unsigned i = 0; i < len; ++i) {
      if (i != 0) tls_info_.sha256_fingerprint += ':';
      tls_info_.sha256_fingerprint += hex[md[i] >> 4];
      tls_info_.sha256_fingerprint += hex[md[i] & 15];
    }
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);   // client side: the leaf is included
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i)
    tls_info_.chain_subjects.push_back(name_text(X509_get_subject_name(sk_X509_value(chain, i))));
}

}  // namespace sluice::control::notify
