// tls/pool_leg.h — one leg of the TLS worker pool: the TlsLeg a dataplane worker holds while its TlsSession
// runs on a TLS worker.
//
// Owns: the four byte rings between the two threads, the flags each side raises for the other, the published
// state and report, and the storage of the TlsSession. Fields are grouped by who writes them:
//   - the dataplane worker that owns the leg's slot: the producer ends of cipher_in/plain_in, the consumer
//     ends of cipher_out/plain_out, the request flags (eof, close, released), and the open parameters (set
//     before the kick that hands the leg over, read by the TLS worker after it);
//   - the TLS worker the leg is assigned to: the other ring ends, the session and everything about it, the
//     published state (release store after the report was written) and the report.
// The dataplane side (the TlsLeg methods here) never calls OpenSSL: it copies bytes and kicks.
// May call: tls/tls_leg.h, tls/tls_session.h, tls/spsc_byte_ring.h, tls/pool_source.h (to kick) and the C++
// standard library.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>

#include "tls/spsc_byte_ring.h"
#include "tls/tls_leg.h"
#include "tls/tls_session.h"

namespace sluice::tls {

class PoolSource;

// Which call returned WantAsync: the one to repeat (same arguments) when an async fd signals.
enum class ParkedCall : uint8_t { None, Advance, Read, Write, Close };

class PooledLeg final : public TlsLeg {
 public:
  PooledLeg(PoolSource* source, uint32_t slot, size_t cipher_ring_bytes, size_t plain_ring_bytes);
  ~PooledLeg() override;

  // TlsLeg, dataplane side.
  size_t put_ciphertext(std::string_view bytes) override;
  void put_peer_eof() override;
  std::string_view ciphertext_out() override;
  void ciphertext_sent(size_t n) override;
  std::string_view plaintext_in() override;
  void plaintext_used(size_t n) override;
  size_t put_plaintext(std::string_view bytes) override;
  void close() override;
  void pump() override;
  bool output_idle() override;
  TlsState state() const override { return published_state.load(std::memory_order_acquire); }
  const TlsLegReport& report() const override;

  // The session storage: constructed and destroyed by the TLS worker only. A union so that a session whose
  // async job is still paused at shutdown can be left alive (leaked) instead of freed under the job.
  TlsSession& session() { return slot_.session; }
  template <typename... Args>
  void make_session(Args&&... args) {
    new (&slot_.session) TlsSession(std::forward<Args>(args)...);
    has_session = true;
  }
  void destroy_session() {
    if (has_session) slot_.session.~TlsSession();
    has_session = false;
  }
  void leak_session() { has_session = false; }

  // Fixed for the leg's life.
  PoolSource* const source;
  const uint32_t slot;  // index among its dataplane worker's legs

  // Both sides, per ring.
  SpscByteRing cipher_in;   // dataplane -> TLS: ciphertext from the peer
  SpscByteRing cipher_out;  // TLS -> dataplane: ciphertext to send
  SpscByteRing plain_in;    // dataplane -> TLS: relay plaintext to encrypt
  SpscByteRing plain_out;   // TLS -> dataplane: decrypted plaintext

  // Open parameters: written by the dataplane before the first kick, read by the TLS worker after it.
  uint32_t tls_worker = 0;
  uint32_t session_index = 0;
  bool server = true;
  const TlsServerContext* server_ctx = nullptr;
  const TlsClientContext* client_ctx = nullptr;
  std::string server_name;  // capacity kept across reuse

  // Dataplane -> TLS requests (release stores, acquire loads).
  std::atomic<bool> eof_requested{false};
  std::atomic<bool> close_requested{false};
  std::atomic<bool> released{false};
  // Output accounting for output_idle(): the dataplane counts what it put (plaintext, close) in put_seq; the TLS
  // worker, at the end of a service that left nothing to encrypt or send, stores the put_seq it had seen at the
  // start of that service in served_seq. Equal, with cipher_out empty: every put is on the wire side.
  std::atomic<uint64_t> put_seq{0};
  std::atomic<uint64_t> served_seq{0};
  // In a kick queue or its worker's retry list: a leg is queued at most once (both sides use acq_rel RMWs).
  // Once the slot is released, the TLS worker sets it for good before recycling (no entry may outlive the
  // leg's incarnation); reset_for_reuse() clears it again.
  std::atomic<bool> queued{false};
  // The TLS worker stopped because cipher_out or plain_out was full: the dataplane kicks when it frees room.
  std::atomic<bool> wants_room{false};

  // TLS -> dataplane.
  std::atomic<TlsState> published_state{TlsState::Handshaking};
  std::atomic<bool> report_published{false};
  std::atomic<bool> ready_queued{false};  // in a ready queue (cleared by the dataplane when it pops it)
  TlsLegReport report_;

  // Dataplane only.
  bool in_use = false;

  // TLS worker only.
  bool has_session = false;
  bool eof_done = false;
  bool close_done = false;
  bool parked = false;        // a job is paused; waiting for an async fd
  bool blind_parked = false;  // its fds could not be watched: resumed on every poll instead
  ParkedCall parked_call = ParkedCall::None;
  char* parked_read_buf = nullptr;  // the plain_out space a parked SSL_read writes into
  size_t parked_read_cap = 0;
  uint32_t async_pauses = 0;
  bool handshake_reported = false;
  TlsState last_published = TlsState::Handshaking;

  // Back to the state of a free slot (TLS worker, once the session is gone and the dataplane released it).
  void reset_for_reuse();

 private:
  void room_freed();  // after the dataplane consumed output: kick if the TLS worker waits for room

  union SessionSlot {
    SessionSlot() {}
    ~SessionSlot() {}
    TlsSession session;
  } slot_;
};

}  // namespace sluice::tls
