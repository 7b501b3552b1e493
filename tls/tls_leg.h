// tls/tls_leg.h — one TLS leg of a proxied session, as the dataplane sees it.
//
// Owns: the contract between a dataplane worker and wherever the crypto of one leg runs. The worker moves
// ciphertext between TCP and the leg and plaintext between the leg and the SMTP relay; it never calls
// OpenSSL itself. Two kinds of leg keep this contract:
//   - InlineTlsLeg (tls/inline_tls_leg.h): the TlsSession runs on the worker's own core, in the calls below;
//   - the TLS worker pool's leg (tls/tls_worker_pool.h): the TlsSession runs on a TLS lcore, fed over
//     single-producer/single-consumer byte rings; the calls below only move bytes in and out of those rings.
// A TlsLegSource hands legs out per session and tells the worker which sessions' legs made progress
// (an async crypto job finished, a TLS lcore produced bytes), so the worker services them like sessions that
// received a segment.
// May call: tls/tls_session.h (for the state names) and the C++ standard library. Knows nothing of SMTP,
// DPDK or TCP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tls/tls_session.h"

namespace sluice::tls {

class TlsServerContext;
class TlsClientContext;

// What one leg told us, for the message's log record and the handshake-failure log line. Filled when the
// handshake ends (Established or Failed); read-only for the worker after that.
struct TlsLegReport {
  std::string version;         // "TLSv1.3"
  std::string cipher;          // "TLS_AES_256_GCM_SHA384"
  std::string sni;             // server leg: the name the client asked for; client leg: the name sent
  std::string peer_verify;     // client leg: "verified", "not verified", "failed: <reason>"
  std::string failure;         // Failed: OpenSSL's reason, the alerts, what the client offered
  std::string offered_versions;  // server leg: the client's ClientHello
  std::string offered_ciphers;
  bool resumed = false;
  bool version_unsupported = false;  // the failure is the client's versions (below min-version)
  bool cipher_unsupported = false;   // the failure is no shared cipher
  uint32_t async_pauses = 0;         // SSL_ERROR_WANT_ASYNC seen on this leg (offloaded crypto)
};

class TlsLeg {
 public:
  virtual ~TlsLeg() = default;

  // TCP -> leg: ciphertext from the peer; returns how much was taken (the rest stays in TCP).
  virtual size_t put_ciphertext(std::string_view bytes) = 0;
  // The peer's TCP stream ended (FIN). Plaintext after this without close_notify is a truncation (TLS-8).
  virtual void put_peer_eof() = 0;
  // leg -> TCP: ciphertext to send, in place; ciphertext_sent(n) after n bytes went to TCP.
  virtual std::string_view ciphertext_out() = 0;
  virtual void ciphertext_sent(size_t n) = 0;
  // leg -> relay: decrypted bytes, in place; plaintext_used(n) after the relay took n.
  virtual std::string_view plaintext_in() = 0;
  virtual void plaintext_used(size_t n) = 0;
  // relay -> leg: plaintext to encrypt; returns how much was taken (0: full, offer again later).
  virtual size_t put_plaintext(std::string_view bytes) = 0;
  // Sends close_notify once everything put before it has been encrypted.
  virtual void close() = 0;
  // Runs what can run now: an inline leg drives OpenSSL here; a pooled leg publishes what was put.
  // The worker calls it after putting bytes and before reading outputs.
  virtual void pump() = 0;

  // Everything put (plaintext, close) has come out as ciphertext and been taken by ciphertext_sent(): the
  // worker may send FIN after it. A pooled leg also answers for bytes still on their way through its TLS lcore.
  virtual bool output_idle() { return ciphertext_out().empty(); }

  // Handshaking, Established, WantAsync (a crypto job is parked), Closed, Failed.
  virtual TlsState state() const = 0;
  // Filled once the handshake ended; see TlsLegReport.
  virtual const TlsLegReport& report() const = 0;
};

// Hands out legs for one dataplane worker's sessions.
class TlsLegSource {
 public:
  virtual ~TlsLegSource() = default;
  // A server leg (Sluice facing the sending MTA) or a client leg (Sluice facing the backend) for the session
  // `session` (the worker's index, reported back by poll()). nullptr when the pool is out of legs (counted
  // by the source): the worker refuses the upgrade.
  virtual TlsLeg* open_server(const TlsServerContext&, uint32_t session) = 0;
  virtual TlsLeg* open_client(const TlsClientContext&, std::string_view server_name, uint32_t session) = 0;
  // The session is done with the leg; it may not be used again.
  virtual void release(TlsLeg*) = 0;
  // Once per poll iteration: calls ready(session) for each session whose leg made progress on its own
  // (an async job was resumed, a TLS lcore produced output). Allocation-free.
  template <typename Fn>
  void poll(Fn&& ready) {
    uint32_t sessions[64];
    size_t n;
    while ((n = poll_ready(sessions, 64)) > 0) {
      for (size_t i = 0; i < n; ++i) ready(sessions[i]);
      if (n < 64) break;
    }
  }
  // What poll() calls: writes up to cap session indexes, returns how many.
  virtual size_t poll_ready(uint32_t* sessions, size_t cap) = 0;
  // Legs in use now, and opens refused because none was free.
  virtual size_t legs_in_use() const = 0;
  virtual uint64_t legs_exhausted() const = 0;
};

}  // namespace sluice::tls
