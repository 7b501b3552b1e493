// tls/pool_leg.cc — see pool_leg.h. Only the dataplane side lives here; the TLS worker side is in
// tls/pool_worker.cc.
#include "tls/pool_leg.h"

#include "tls/pool_source.h"

namespace sluice::tls {

PooledLeg::PooledLeg(PoolSource* src, uint32_t index, size_t cipher_ring_bytes, size_t plain_ring_bytes)
    : source(src),
      slot(index),
      cipher_in(cipher_ring_bytes),
      cipher_out(cipher_ring_bytes),
      plain_in(plain_ring_bytes),
      plain_out(plain_ring_bytes) {
  server_name.reserve(256);  // a DNS name fits: no allocation when a client leg is opened
}

PooledLeg::~PooledLeg() { destroy_session(); }

size_t PooledLeg::put_ciphertext(std::string_view bytes) { return in_use ? cipher_in.write(bytes) : 0; }

void PooledLeg::put_peer_eof() {
  if (in_use) eof_requested.store(true, std::memory_order_release);
}

std::string_view PooledLeg::ciphertext_out() {
  std::span<const char> data = cipher_out.readable();
  return {data.data(), data.size()};
}

void PooledLeg::ciphertext_sent(size_t n) {
  cipher_out.consumed(n);
  if (n > 0) room_freed();
}

std::string_view PooledLeg::plaintext_in() {
  std::span<const char> data = plain_out.readable();
  return {data.data(), data.size()};
}

void PooledLeg::plaintext_used(size_t n) {
  plain_out.consumed(n);
  if (n > 0) room_freed();
}

size_t PooledLeg::put_plaintext(std::string_view bytes) {
  if (!in_use) return 0;
  const size_t n = plain_in.write(bytes);
  if (n > 0) put_seq.store(put_seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  return n;
}

void PooledLeg::close() {
  if (!in_use) return;
  close_requested.store(true, std::memory_order_release);
  put_seq.store(put_seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

bool PooledLeg::output_idle() {
  return served_seq.load(std::memory_order_acquire) == put_seq.load(std::memory_order_relaxed) &&
         cipher_out.readable().empty();
}

void PooledLeg::pump() {
  if (in_use) source->kick(*this);
}

const TlsLegReport& PooledLeg::report() const {
  static const TlsLegReport kNone;  // before the handshake ended: nothing to read yet
  return report_published.load(std::memory_order_acquire) ? report_ : kNone;
}

// The TLS worker raised wants_room and then re-checked the ring; we consumed and now check the flag. The two
// seq_cst fences make sure at least one side sees the other's write, so the leg cannot stall with room free and
// nobody knowing (the TLS worker's half is in pool_worker.cc).
void PooledLeg::room_freed() {
  if (!in_use) return;  // released: the TLS worker owns the slot now
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (wants_room.load(std::memory_order_relaxed) && wants_room.exchange(false, std::memory_order_acq_rel)) {
    source->kick(*this);
  }
}

void PooledLeg::reset_for_reuse() {
  cipher_in.reset();
  cipher_out.reset();
  plain_in.reset();
  plain_out.reset();
  server_ctx = nullptr;
  client_ctx = nullptr;
  server_name.clear();
  eof_requested.store(false, std::memory_order_relaxed);
  close_requested.store(false, std::memory_order_relaxed);
  released.store(false, std::memory_order_relaxed);
  put_seq.store(0, std::memory_order_relaxed);
  served_seq.store(0, std::memory_order_relaxed);
  wants_room.store(false, std::memory_order_relaxed);
  // The TLS worker claimed `queued` when it decided to recycle (pool_worker.cc, TlsWorker::service): no kick or
  // retry entry names the slot any more. Give it back so the next open's kick is pushed.
  queued.store(false, std::memory_order_relaxed);
  report_published.store(false, std::memory_order_relaxed);
  published_state.store(TlsState::Handshaking, std::memory_order_relaxed);
  // Clear in place: the strings keep their capacity for the next session.
  report_.version.clear();
  report_.cipher.clear();
  report_.sni.clear();
  report_.peer_verify.clear();
  report_.failure.clear();
  report_.offered_versions.clear();
  report_.offered_ciphers.clear();
  report_.resumed = report_.version_unsupported = report_.cipher_unsupported = false;
  report_.async_pauses = 0;
  eof_done = close_done = parked = blind_parked = false;
  parked_call = ParkedCall::None;
  parked_read_buf = nullptr;
  parked_read_cap = 0;
  async_pauses = 0;
  handshake_reported = false;
  last_published = TlsState::Handshaking;
  // `ready_queued` may still be true with an entry in a ready queue: the dataplane pops it, finds the slot free or
  // reopened, and copes (pool_source.cc).
}

}  // namespace sluice::tls
