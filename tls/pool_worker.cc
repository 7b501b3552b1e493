// tls/pool_worker.cc — see pool_worker.h.
#include "tls/pool_worker.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tls/crypto_offload.h"
#include "tls/leg_report.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"

namespace sluice::tls {
namespace {

void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) { counter.fetch_add(n, std::memory_order_relaxed); }

// Drops what is in a ring: input for a session that can no longer use it.
bool discard(SpscByteRing& ring) {
  bool any = false;
  for (std::span<const char> data = ring.readable(); !data.empty(); data = ring.readable()) {
    ring.consumed(data.size());
    any = true;
  }
  return any;
}

bool ended(TlsState s) { return s == TlsState::Established || s == TlsState::Failed || s == TlsState::Closed; }

}  // namespace

TlsWorker::TlsWorker(uint32_t index, const TlsWorkerPoolSettings& settings, std::vector<PoolSource*> sources)
    : index_(index), settings_(settings), sources_(std::move(sources)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) error_ = std::strerror(errno);
  size_t legs = 0;
  for (PoolSource* s : sources_) legs += s->leg_count();
  // Every list holds each leg at most once: reserving for all of them means no allocation in the loop.
  retry_.reserve(legs);
  retry_next_.reserve(legs);
  blind_.reserve(legs);
  blind_now_.reserve(legs);
  to_recycle_.reserve(legs);
  events_.resize(std::max<uint32_t>(1, settings.max_async_events));
}

TlsWorker::~TlsWorker() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

size_t TlsWorker::poll_once() {
  size_t work = 0;
  // Legs that used up their passes last time go first: they have been waiting longest.
  retry_.swap(retry_next_);
  for (PooledLeg* leg : retry_) {
    leg->queued.exchange(false, std::memory_order_acq_rel);
    service(*leg);
    ++work;
  }
  retry_.clear();

  for (PoolSource* source : sources_) {
    PoolIndexQueue& kicks = source->kicks(index_);
    // Only what is queued now: a leg kicked again while we service it waits for the next poll.
    for (size_t budget = kicks.size(); budget > 0; --budget) {
      uint32_t slot;
      if (!kicks.pop(&slot)) break;
      PooledLeg& leg = source->leg(slot);
      // Cleared before the service reads anything, so a kick that comes after is not lost (pool_source.cc).
      leg.queued.exchange(false, std::memory_order_acq_rel);
      bump(stats_.kicks);
      service(leg);
      ++work;
    }
  }

  work += poll_async();
  flush_recycled();
  return work;
}

void TlsWorker::flush_recycled() {
  for (PooledLeg* leg : to_recycle_) {
    PoolSource& source = *leg->source;
    leg->reset_for_reuse();
    bump(stats_.legs_recycled);
    if (!source.recycle(index_, *leg)) bump(stats_.queue_overflows);
  }
  to_recycle_.clear();
}

// One service of one leg: finish a parked call that has been resumed, free a released leg, or run passes.
void TlsWorker::service(PooledLeg& leg) {
  bump(stats_.services);
  if (leg.parked) return;  // its async fd will bring it back (released or not: the job must finish first)
  bool moved = false;
  if (leg.parked_call != ParkedCall::None && !resume_parked_call(leg, &moved)) {
    publish(leg, moved);  // parked again
    return;
  }
  if (leg.released.load(std::memory_order_acquire)) {
    free_session(leg);
    // Recycle only once no kick-queue or retry entry can still name this incarnation of the slot. `queued` was
    // cleared before this service, so the dataplane's release() (or a pump() just before it) may have pushed a
    // new entry since. If that entry outlived the recycle it would later be serviced as a fresh open: with the
    // slot reset (server_ctx null: SIGSEGV in TlsSession's constructor) or while the dataplane writes the open
    // parameters of the slot's next session; it would also free and hand the slot back a second time, putting
    // it twice on the free stack. So the worker claims the flag for good: the dataplane does not kick a
    // released leg, so once `queued` is ours no entry can appear. If it was already set, an entry is pending;
    // popping it brings the leg back here (released is still set) and the claim succeeds then.
    // reset_for_reuse() gives the flag back, published to the dataplane by the recycle push.
    if (leg.queued.exchange(true, std::memory_order_acq_rel)) return;
    to_recycle_.push_back(&leg);
    return;
  }
  if (!leg.has_session) {
    // First service after open: the session is made here, on the TLS worker, so SSL_new's cost is ours.
    if (leg.server) {
      leg.make_session(*leg.server_ctx, settings_.session_limits);
    } else {
      leg.make_session(*leg.client_ctx, std::string_view(leg.server_name), settings_.session_limits);
    }
    moved = true;  // at least the state (a client leg's ClientHello, or a setup failure) is news
  }
  const bool again = run_passes(leg, &moved);
  publish(leg, moved);
  if (again && !leg.parked) requeue(leg);
}

// Repeats the call that returned WantAsync, with the same arguments. false: it paused again.
bool TlsWorker::resume_parked_call(PooledLeg& leg, bool* moved) {
  TlsSession& s = leg.session();
  const ParkedCall call = leg.parked_call;
  leg.parked_call = ParkedCall::None;
  switch (call) {
    case ParkedCall::None:
      break;
    case ParkedCall::Advance:
      s.advance();
      break;
    case ParkedCall::Read: {
      // The same buffer: plain_out's free space at the head, which only this worker moves.
      const size_t n = s.read_plaintext(leg.parked_read_buf, leg.parked_read_cap);
      if (n > 0) {
        leg.plain_out.produced(n);
        *moved = true;
      }
      break;
    }
    case ParkedCall::Write: {
      std::span<const char> data = leg.plain_in.readable();  // still holds the bytes the paused write had
      const size_t n = s.write_plaintext({data.data(), data.size()});
      if (n > 0) {
        leg.plain_in.consumed(n);
        *moved = true;
      }
      break;
    }
    case ParkedCall::Close:
      s.close();
      break;
  }
  if (s.state() == TlsState::WantAsync) {
    park(leg, call);
    return false;
  }
  *moved = true;
  return true;
}

// Runs the session until nothing moves (or the pass budget is used up). Returns true when the leg should be
// serviced again soon without waiting for a kick. On WantAsync the leg is parked and it returns false.
bool TlsWorker::run_passes(PooledLeg& leg, bool* moved) {
  TlsSession& s = leg.session();
  const uint64_t seen = leg.put_seq.load(std::memory_order_acquire);   // every put up to here is visible
  bool cipher_out_full = false;
  bool plain_out_full = false;
  for (uint32_t pass = 0; pass < std::max<uint32_t>(1, settings_.max_passes_per_service); ++pass) {
    bool progress = false;
    cipher_out_full = plain_out_full = false;

    if (s.state() == TlsState::Failed || s.state() == TlsState::Closed) {
      // Nothing more will be read or encrypted: drop input so the dataplane is never stuck on a full ring.
      progress |= discard(leg.cipher_in);
      progress |= discard(leg.plain_in);
    } else {
      // Ciphertext from the peer, as much as the session's BIO takes.
      for (std::span<const char> in = leg.cipher_in.readable(); !in.empty(); in = leg.cipher_in.readable()) {
        const size_t n = s.feed_ciphertext({in.data(), in.size()});
        if (n == 0) break;
        leg.cipher_in.consumed(n);
        progress = true;
      }
      // The peer's FIN, once every byte before it went in (acquire: those bytes are visible).
      if (!leg.eof_done && leg.eof_requested.load(std::memory_order_acquire) && leg.cipher_in.readable().empty()) {
        s.peer_eof();
        leg.eof_done = true;
        progress = true;
      }
    }

    if (s.state() == TlsState::Handshaking) {
      const TlsState before = s.state();
      if (s.advance() == TlsState::WantAsync) {
        park(leg, ParkedCall::Advance);
        *moved = true;
        return false;
      }
      if (s.state() != before) progress = true;
    }

    // Decrypted bytes into plain_out; this also takes in alerts, close_notify, tickets, a renegotiation try.
    while (s.state() == TlsState::Established) {
      std::span<char> room = leg.plain_out.writable();
      if (room.empty()) {
        plain_out_full = true;
        break;
      }
      const size_t n = s.read_plaintext(room.data(), room.size());
      if (s.state() == TlsState::WantAsync) {
        leg.parked_read_buf = room.data();
        leg.parked_read_cap = room.size();
        park(leg, ParkedCall::Read);
        *moved = true;
        return false;
      }
      if (n == 0) {
        if (s.state() != TlsState::Established) progress = true;  // closed or failed: news for the dataplane
        break;
      }
      leg.plain_out.produced(n);
      progress = true;
    }

    // Relay plaintext to encrypt (not after our close_notify).
    if (s.state() == TlsState::Established && !leg.close_done) {
      for (std::span<const char> out = leg.plain_in.readable(); !out.empty(); out = leg.plain_in.readable()) {
        const size_t n = s.write_plaintext({out.data(), out.size()});
        if (s.state() == TlsState::WantAsync) {
          if (n > 0) leg.plain_in.consumed(n);
          park(leg, ParkedCall::Write);
          *moved = true;
          return false;
        }
        if (n == 0) break;  // the session's buffer is full: move ciphertext out, then again
        leg.plain_in.consumed(n);
        progress = true;
      }
    }

    // close_notify once everything put before close() was encrypted (acquire: those bytes are visible).
    if (!leg.close_done && leg.close_requested.load(std::memory_order_acquire) && leg.plain_in.readable().empty()) {
      leg.close_done = true;
      progress = true;
      if (s.state() == TlsState::Established || s.state() == TlsState::Handshaking) {
        if (s.close() == TlsState::WantAsync) {
          park(leg, ParkedCall::Close);
          *moved = true;
          return false;
        }
      }
    }

    // Ciphertext to send: handshake flights, records, alerts (also after a failure), close_notify.
    for (std::string_view pending = s.pending_ciphertext(); !pending.empty(); pending = s.pending_ciphertext()) {
      std::span<char> room = leg.cipher_out.writable();
      if (room.empty()) {
        cipher_out_full = true;
        break;
      }
      const size_t n = std::min(room.size(), pending.size());
      std::memcpy(room.data(), pending.data(), n);
      leg.cipher_out.produced(n);
      s.ciphertext_sent(n);
      progress = true;
    }

    *moved |= progress;
    if (!progress) {
      if (!cipher_out_full && !plain_out_full) {
        // Nothing left to encrypt or send: the dataplane may send FIN after what cipher_out holds.
        const bool closed_as_asked = leg.close_done || !leg.close_requested.load(std::memory_order_acquire);
        if (leg.plain_in.readable().empty() && closed_as_asked && s.pending_ciphertext().empty()) {
          if (leg.served_seq.load(std::memory_order_relaxed) != seen) {
            leg.served_seq.store(seen, std::memory_order_release);
            *moved = true;   // news for the dataplane: its FIN may go now
          }
        }
        return false;
      }
      // Stopped on a full output ring: ask the dataplane to kick when it frees room, then look again in case it
      // already did (the seq_cst fences pair with PooledLeg::room_freed()).
      leg.wants_room.store(true, std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      const bool room_now = (cipher_out_full && leg.cipher_out.free_space() > 0) ||
                            (plain_out_full && leg.plain_out.free_space() > 0);
      return room_now;
    }
  }
  return true;  // pass budget used up while still moving: go again after the others
}

void TlsWorker::park(PooledLeg& leg, ParkedCall call) {
  TlsSession& s = leg.session();
  leg.parked = true;
  leg.parked_call = call;
  ++leg.async_pauses;
  ++parked_count_;
  bump(stats_.async_pauses);
  bump(stats_.parked_now);

  bool watchable = epoll_fd_ >= 0 && s.async_fds(nullptr, 0) > 0;
  AsyncFdChanges changes;
  if (watchable && !collect_changed_async_fds(s.native(), &changes)) watchable = false;
  if (watchable) {
    for (size_t i = 0; i < changes.removed.count; ++i) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, changes.removed.fds[i], nullptr);
    for (size_t i = 0; i < changes.added.count; ++i) {
      // Edge-triggered: one wake-up per signal, so an fd the engine does not drain cannot spin the loop. An fd
      // already readable when it is added is reported at once (epoll checks on insertion).
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLET;
      ev.data.ptr = &leg;
      int fd = changes.added.fds[i];
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0 &&
          (errno != EEXIST || epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0)) {
        watchable = false;
      }
    }
  }
  if (!watchable) {
    // Nothing to wait on: resume it on every poll; a real offload answers WantAsync again until done.
    bump(stats_.async_fd_errors);
    leg.blind_parked = true;
    blind_.push_back(&leg);
  }
}

// An async fd of a parked leg signalled (or a blind-parked leg's turn came): run it again.
void TlsWorker::wake(PooledLeg& leg) {
  leg.parked = false;
  leg.blind_parked = false;
  --parked_count_;
  stats_.parked_now.fetch_sub(1, std::memory_order_relaxed);
  bump(stats_.async_resumes);
  service(leg);
}

size_t TlsWorker::poll_async() {
  size_t work = 0;
  if (!blind_.empty()) {
    blind_now_.swap(blind_);
    for (PooledLeg* leg : blind_now_) wake(*leg);
    work += blind_now_.size();
    blind_now_.clear();
  }
  if (parked_count_ == 0 || epoll_fd_ < 0) return work;
  const int n = epoll_wait(epoll_fd_, events_.data(), int(events_.size()), 0);  // never blocks
  for (int i = 0; i < n; ++i) {
    auto* leg = static_cast<PooledLeg*>(events_[i].data.ptr);
    if (!leg->parked || leg->blind_parked) continue;  // a second fd of a leg already woken in this batch
    wake(*leg);
    ++work;
  }
  return work;
}

void TlsWorker::publish(PooledLeg& leg, bool moved) {
  if (!leg.has_session) return;
  TlsSession& s = leg.session();
  const TlsState state = leg.parked ? TlsState::WantAsync : s.state();
  if (!leg.handshake_reported && ended(state)) {
    // The report is written before the state that announces it is published (release below).
    fill_leg_report(s, &leg.report_);
    leg.report_.async_pauses = leg.async_pauses;
    leg.handshake_reported = true;
    leg.report_published.store(true, std::memory_order_release);
    const bool established = state == TlsState::Established || !leg.report_.version.empty();
    bump(established ? stats_.handshakes : stats_.handshake_failures);
  }
  const bool changed = state != leg.last_published;
  if (changed) {
    leg.published_state.store(state, std::memory_order_release);
    leg.last_published = state;
  }
  if ((moved || changed) && !leg.source->notify_ready(leg)) bump(stats_.queue_overflows);
}

void TlsWorker::free_session(PooledLeg& leg) {
  if (!leg.has_session) return;
  AsyncFds fds;
  if (epoll_fd_ >= 0 && collect_async_fds(leg.session().native(), &fds)) {
    for (size_t i = 0; i < fds.count; ++i) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fds.fds[i], nullptr);
  }
  leg.destroy_session();
}

void TlsWorker::requeue(PooledLeg& leg) {
  if (!leg.queued.exchange(true, std::memory_order_acq_rel)) retry_next_.push_back(&leg);  // reserved: no growth
}

void TlsWorker::abandon_parked() {
  for (PoolSource* source : sources_) {
    for (uint32_t i = 0; i < source->leg_count(); ++i) {
      PooledLeg& leg = source->leg(i);
      if (leg.tls_worker != index_ || !leg.parked) continue;
      leg.leak_session();  // SSL_free under a paused job is not safe; the process is stopping anyway
      leg.parked = false;
      --parked_count_;
      bump(stats_.leaked_at_stop);
    }
  }
  flush_recycled();
}

}  // namespace sluice::tls
