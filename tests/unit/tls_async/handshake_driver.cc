// tests/unit/tls_async/handshake_driver.cc — see handshake_driver.h.
#include "tests/unit/tls_async/handshake_driver.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "tls/crypto_offload.h"

namespace sluice::tls::test {
namespace {

struct Session {
  SSL* client = nullptr;
  SSL* server = nullptr;
  BIO* client_in = nullptr;  // memory BIOs, owned by the SSLs
  BIO* client_out = nullptr;
  BIO* server_in = nullptr;
  BIO* server_out = nullptr;
  int key = 0, version = 0;  // indexes into HandshakeMix
  bool client_done = false, server_done = false, parked = false;
  AsyncFds watched;  // the server's async fds now in the epoll set
};

enum class Step { parked, done, failed };

std::string ssl_failure(const char* side, SSL* ssl, int rc) {
  char text[256] = "";
  ERR_error_string_n(ERR_peek_last_error(), text, sizeof text);
  ERR_clear_error();
  return std::string(side) + " handshake failed, SSL_get_error " + std::to_string(SSL_get_error(ssl, rc)) + ": " +
         text;
}

BIO* memory_bio() {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) BIO_set_mem_eof_return(bio, -1);  // empty means "retry later", not end of stream
  return bio;
}

// Moves what one side wrote into the other side's input. True when any byte moved.
bool shuttle(BIO* from, BIO* to) {
  char buffer[16384];
  bool moved = false;
  int n;
  while ((n = BIO_read(from, buffer, sizeof buffer)) > 0) {
    BIO_write(to, buffer, n);
    moved = true;
  }
  return moved;
}

class Driver {
 public:
  Driver(const HandshakeMix& mix, const DriveOptions& options) : mix_(mix), options_(options) {}

  DriveResult run() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return fail("epoll_create1 failed");
    sessions_.resize(std::min(options_.in_flight, options_.handshakes));
    for (Session& s : sessions_)
      if (!start(s)) return finish();
    while (result_.completed < options_.handshakes) {
      for (size_t i = 0; i < sessions_.size(); ++i)
        if (!advance_until_parked(i)) return finish();
      if (result_.completed == options_.handshakes) break;
      if (parked_ == 0) return fail("no session parked and none can progress");
      if (options_.resume_without_waiting) {
        resume_all_now();
      } else if (!wait_for_fds()) {
        return finish();
      }
    }
    return finish();
  }

 private:
  DriveResult fail(std::string what) {
    if (result_.failure.empty()) result_.failure = std::move(what);
    return finish();
  }

  DriveResult finish() {
    for (Session& s : sessions_) retire(s);
    if (epoll_ >= 0) close(epoll_);
    epoll_ = -1;
    return result_;
  }

  bool start(Session& s) {
    const size_t n = started_++;
    s = Session{};
    s.key = static_cast<int>(n % 2);
    s.version = static_cast<int>((n / 2) % 2);
    s.client = SSL_new(mix_.client[s.version]);
    s.server = SSL_new(mix_.server[s.key]);
    s.client_in = memory_bio();
    s.client_out = memory_bio();
    s.server_in = memory_bio();
    s.server_out = memory_bio();
    if (s.client == nullptr || s.server == nullptr || !s.client_in || !s.client_out || !s.server_in || !s.server_out) {
      result_.failure = "could not make a session";
      BIO_free(s.client_in);
      BIO_free(s.client_out);
      BIO_free(s.server_in);
      BIO_free(s.server_out);
      SSL_free(s.client);
      SSL_free(s.server);
      s = Session{};
      return false;
    }
    SSL_set_bio(s.client, s.client_in, s.client_out);
    SSL_set_bio(s.server, s.server_in, s.server_out);
    SSL_set_connect_state(s.client);
    SSL_set_accept_state(s.server);
    return true;
  }

  // Takes the session's fds out of the epoll set and frees it.
  void retire(Session& s) {
    if (s.server == nullptr) return;
    AsyncFds all;
    if (collect_async_fds(s.server, &all))
      for (size_t i = 0; i < all.count; ++i) epoll_ctl(epoll_, EPOLL_CTL_DEL, all.fds[i], nullptr);
    SSL_free(s.client);
    SSL_free(s.server);
    if (s.parked) --parked_;
    s = Session{};
  }

  // Runs session i until its server parks, or it completes and is replaced by the next handshake.
  bool advance_until_parked(size_t i) {
    Session& s = sessions_[i];
    while (s.server != nullptr && !s.parked) {
      switch (advance(s, i)) {
        case Step::failed:
          return false;
        case Step::parked:
          result_.max_parked = std::max(result_.max_parked, ++parked_);
          return true;
        case Step::done:
          if (!check_done(s)) return false;
          ++result_.completed;
          ++result_.completed_by[s.key][s.version];
          retire(s);
          if (started_ < options_.handshakes && !start(s)) return false;
          break;
      }
    }
    return true;
  }

  Step advance(Session& s, size_t index) {
    for (int round = 0; round < 32; ++round) {
      bool progress = false;
      if (!s.client_done) {
        const int rc = SSL_do_handshake(s.client);
        if (rc == 1) {
          s.client_done = progress = true;
        } else if (int err = SSL_get_error(s.client, rc); err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          result_.failure = ssl_failure("client", s.client, rc);
          return Step::failed;
        }
      }
      progress |= shuttle(s.client_out, s.server_in);
      if (!s.server_done) {
        const int rc = SSL_do_handshake(s.server);
        if (rc == 1) {
          s.server_done = progress = true;
        } else {
          const int err = SSL_get_error(s.server, rc);
          if (err == SSL_ERROR_WANT_ASYNC) {
            ++result_.want_async;
            progress |= shuttle(s.server_out, s.client_in);  // (nothing is written before a pause, but be fair)
            return park(s, index) ? Step::parked : Step::failed;
          }
          if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            result_.failure = ssl_failure("server", s.server, rc);
            return Step::failed;
          }
        }
      }
      progress |= shuttle(s.server_out, s.client_in);
      if (s.client_done && s.server_done) return Step::done;
      if (!progress) {
        result_.failure = "handshake stalled: neither side can move";
        return Step::failed;
      }
    }
    result_.failure = "handshake took more than 32 rounds";
    return Step::failed;
  }

  // Brings the epoll set up to date with the server's async fds, as the TLS pool will.
  bool park(Session& s, size_t index) {
    AsyncFdChanges changes;
    if (!collect_changed_async_fds(s.server, &changes)) {
      result_.failure = "SSL_get_changed_async_fds failed";
      return false;
    }
    for (size_t k = 0; k < changes.removed.count; ++k) {
      const int fd = changes.removed.fds[k];
      epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
      auto end = s.watched.fds.begin() + s.watched.count;
      if (auto it = std::find(s.watched.fds.begin(), end, fd); it != end) {
        *it = *(end - 1);
        --s.watched.count;
      }
    }
    for (size_t k = 0; k < changes.added.count; ++k) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = index;
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, changes.added.fds[k], &event) != 0 || s.watched.count == s.watched.fds.size()) {
        result_.failure = "could not watch an async fd";
        return false;
      }
      s.watched.fds[s.watched.count++] = changes.added.fds[k];
    }
    if (s.watched.count == 0) {
      result_.failure = "SSL_ERROR_WANT_ASYNC with no async fd to wait on";
      return false;
    }
    s.parked = true;
    return true;
  }

  bool wait_for_fds() {
    epoll_event events[64];
    int n;
    do {
      n = epoll_wait(epoll_, events, 64, options_.stall_timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      result_.failure = "no async fd became readable in time with " + std::to_string(parked_) + " sessions parked";
      return false;
    }
    for (int k = 0; k < n; ++k) {
      Session& s = sessions_[events[k].data.u64];
      if (!s.parked) continue;  // another of its fds already woke it
      s.parked = false;
      --parked_;
      ++result_.resumed_on_fd;
    }
    return true;
  }

  void resume_all_now() {
    for (Session& s : sessions_) {
      if (!s.parked) continue;
      s.parked = false;
      --parked_;
      ++result_.resumed_early;
    }
  }

  bool check_done(const Session& s) {
    const int expected_version = s.version == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
    const int expected_key = s.key == 0 ? EVP_PKEY_RSA : EVP_PKEY_EC;
    X509* peer = SSL_get0_peer_certificate(s.client);
    if (SSL_version(s.server) != expected_version || SSL_version(s.client) != expected_version) {
      result_.failure = std::string("negotiated ") + SSL_get_version(s.server);
    } else if (peer == nullptr || EVP_PKEY_get_base_id(X509_get0_pubkey(peer)) != expected_key) {
      result_.failure = "the client saw the wrong certificate";
    } else if (SSL_get_verify_result(s.client) != X509_V_OK) {
      result_.failure = "the client could not verify the server's certificate";
    } else {
      return true;
    }
    return false;
  }

  const HandshakeMix& mix_;
  const DriveOptions& options_;
  DriveResult result_;
  std::vector<Session> sessions_;
  size_t started_ = 0;
  size_t parked_ = 0;
  int epoll_ = -1;
};

}  // namespace

DriveResult drive_handshakes(const HandshakeMix& mix, const DriveOptions& options) {
  return Driver(mix, options).run();
}

}  // namespace sluice::tls::test
