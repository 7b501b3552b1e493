// tests/unit/tls_async/handshake_driver.h — many TLS handshakes in flight at once over memory BIOs, parking
// each server session that returns SSL_ERROR_WANT_ASYNC and resuming it when epoll says one of its async fds
// is readable: the loop the TLS worker pool will run, reduced to what the offload tests need.
//
// Owns: the client/server SSL pairs, the byte shuttling between their memory BIOs, the epoll set of async
// fds (kept current with collect_changed_async_fds) and the counts the tests assert on.
// May call: OpenSSL libssl, tls/crypto_offload.h (the fd helpers), Linux epoll.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

namespace sluice::tls::test {

struct HandshakeMix {
  SSL_CTX* server[2] = {};  // [0] RSA certificate, [1] ECDSA certificate
  SSL_CTX* client[2] = {};  // [0] TLS 1.2 only, [1] TLS 1.3 only
};

struct DriveOptions {
  size_t handshakes = 1000;
  size_t in_flight = 32;          // sessions alive at once; handshake i uses server[i % 2], client[(i / 2) % 2]
  int stall_timeout_ms = 20'000;  // longest wait for any parked session's fd before the run fails
  // Misbehave: resume parked sessions at once instead of waiting for their fds (the offload must cope).
  bool resume_without_waiting = false;
};

struct DriveResult {
  size_t completed = 0;
  size_t completed_by[2][2] = {};  // [key: RSA, ECDSA][version: 1.2, 1.3]
  size_t want_async = 0;           // SSL_ERROR_WANT_ASYNC returns: sessions parked
  size_t resumed_on_fd = 0;        // parked sessions resumed because one of their fds became readable
  size_t resumed_early = 0;        // ones resumed before that (resume_without_waiting)
  size_t max_parked = 0;           // most sessions parked at the same time
  std::string failure;             // the first thing that went wrong; empty when nothing did
};

DriveResult drive_handshakes(const HandshakeMix& mix, const DriveOptions& options);

}  // namespace sluice::tls::test
