// tls/pool_source.cc — see pool_source.h.
#include "tls/pool_source.h"

namespace sluice::tls {

PoolSource::PoolSource(uint32_t dp, const TlsWorkerPoolSettings& settings) : dataplane_worker(dp) {
  const uint32_t legs = settings.max_legs;
  const uint32_t workers = settings.tls_workers;
  legs_.reserve(legs);
  for (uint32_t i = 0; i < legs; ++i) {
    legs_.push_back(std::make_unique<PooledLeg>(this, i, settings.cipher_ring_bytes, settings.plain_ring_bytes));
  }
  // A leg sits in at most one queue of each kind at a time (flags, or one hand-back per use), so max_legs
  // slots per queue can never fill.
  for (uint32_t t = 0; t < workers; ++t) {
    kicks_.push_back(std::make_unique<PoolIndexQueue>(legs));
    ready_.push_back(std::make_unique<PoolIndexQueue>(legs));
    recycled_.push_back(std::make_unique<PoolIndexQueue>(legs));
  }
  free_.reserve(legs);
  for (uint32_t i = legs; i > 0; --i) free_.push_back(i - 1);  // slot 0 first
}

PoolSource::~PoolSource() = default;

PooledLeg* PoolSource::take_slot() {
  if (free_.empty()) {
    uint32_t slot;
    for (auto& q : recycled_) {
      while (q->pop(&slot)) free_.push_back(slot);
    }
  }
  if (free_.empty()) {
    exhausted_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  PooledLeg* leg = legs_[free_.back()].get();
  free_.pop_back();
  leg->in_use = true;
  leg->tls_worker = next_tls_worker_;
  next_tls_worker_ = (next_tls_worker_ + 1) % uint32_t(kicks_.size());
  opened_.fetch_add(1, std::memory_order_relaxed);
  return leg;
}

TlsLeg* PoolSource::open_server(const TlsServerContext& ctx, uint32_t session) {
  PooledLeg* leg = take_slot();
  if (leg == nullptr) return nullptr;
  leg->server = true;
  leg->server_ctx = &ctx;
  leg->session_index = session;
  kick(*leg);  // the TLS worker makes the session (SSL_new is its cost, not the dataplane's)
  return leg;
}

TlsLeg* PoolSource::open_client(const TlsClientContext& ctx, std::string_view server_name, uint32_t session) {
  PooledLeg* leg = take_slot();
  if (leg == nullptr) return nullptr;
  leg->server = false;
  leg->client_ctx = &ctx;
  leg->server_name.assign(server_name);
  leg->session_index = session;
  kick(*leg);  // a client leg speaks first: its ClientHello needs no input
  return leg;
}

void PoolSource::release(TlsLeg* base) {
  if (base == nullptr) return;
  auto* leg = static_cast<PooledLeg*>(base);
  if (!leg->in_use) return;
  leg->in_use = false;
  leg->released.store(true, std::memory_order_release);
  kick(*leg);  // the TLS worker frees the session once no async job holds it, then recycles the slot
}

void PoolSource::kick(PooledLeg& leg) {
  // acq_rel on both sides' exchanges: if the TLS worker cleared the flag before our exchange we push; if after,
  // its exchange read our write and the bytes we put before it are visible to the service that follows.
  if (leg.queued.exchange(true, std::memory_order_acq_rel)) return;
  kicks_[leg.tls_worker]->push(leg.slot);  // cannot fill: see the constructor
}

bool PoolSource::notify_ready(PooledLeg& leg) {
  if (leg.ready_queued.exchange(true, std::memory_order_acq_rel)) return true;
  return ready_[leg.tls_worker]->push(leg.slot);
}

bool PoolSource::recycle(uint32_t tls_worker, PooledLeg& leg) {
  returned_.fetch_add(1, std::memory_order_relaxed);
  return recycled_[tls_worker]->push(leg.slot);
}

size_t PoolSource::poll_ready(uint32_t* sessions, size_t cap) {
  size_t n = 0;
  const uint32_t workers = uint32_t(ready_.size());
  for (uint32_t k = 0; k < workers && n < cap; ++k) {
    PoolIndexQueue& q = *ready_[(ready_cursor_ + k) % workers];
    uint32_t slot;
    while (n < cap && q.pop(&slot)) {
      PooledLeg& leg = *legs_[slot];
      // Clear before the caller looks at the leg, so progress made after this point queues it again.
      leg.ready_queued.exchange(false, std::memory_order_acq_rel);
      // A slot released since (or released and reopened) may have a stale entry: skip a free slot; a
      // reopened one reports its new session, which is harmless (the worker finds nothing new).
      if (leg.in_use) sessions[n++] = leg.session_index;
    }
  }
  ready_cursor_ = (ready_cursor_ + 1) % workers;
  return n;
}

size_t PoolSource::legs_in_use() const {
  return size_t(opened_.load(std::memory_order_relaxed) - returned_.load(std::memory_order_relaxed));
}

}  // namespace sluice::tls
