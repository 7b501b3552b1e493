// tls/pool_source.h — the TlsLegSource of one dataplane worker in the TLS worker pool.
//
// Owns: that worker's preallocated legs (max_legs, rings included), its free-slot stack, and the queues between
// it and every TLS worker: kicks (legs with new input or requests, dataplane -> TLS), ready (legs that made
// progress, TLS -> dataplane) and recycled (freed slots, TLS -> dataplane). One queue per (dataplane worker,
// TLS worker) pair and direction keeps every queue single-producer/single-consumer.
//
// Assignment: each open goes to the next TLS worker in round-robin order (per dataplane worker). A slot's
// TLS worker is chosen anew at every open, so the load follows the sessions actually open, not slot numbers
// or session indexes (a dataplane's session indexes are not spread evenly: they are reused low-first).
// Both legs of one session usually land on different TLS workers, which spreads a session's two handshakes.
//
// Everything here runs on the dataplane worker's thread except kick queues' pops, ready/recycled pushes and
// the counters, which the TLS workers use through TlsWorker.
// May call: tls/pool_leg.h, tls/pool_index_queue.h, tls/pool_settings.h, tls/tls_leg.h and the C++ standard
// library.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "tls/pool_index_queue.h"
#include "tls/pool_leg.h"
#include "tls/pool_settings.h"
#include "tls/tls_leg.h"

namespace sluice::tls {

class PoolSource final : public TlsLegSource {
 public:
  PoolSource(uint32_t dataplane_worker, const TlsWorkerPoolSettings& settings);
  ~PoolSource() override;

  TlsLeg* open_server(const TlsServerContext& ctx, uint32_t session) override;
  TlsLeg* open_client(const TlsClientContext& ctx, std::string_view server_name, uint32_t session) override;
  void release(TlsLeg* leg) override;
  size_t poll_ready(uint32_t* sessions, size_t cap) override;
  size_t legs_in_use() const override;
  uint64_t legs_exhausted() const override { return exhausted_.load(std::memory_order_relaxed); }

  // Dataplane side: hands the leg to its TLS worker unless it is already queued.
  void kick(PooledLeg& leg);

  // TLS worker side.
  PooledLeg& leg(uint32_t slot) { return *legs_[slot]; }
  uint32_t leg_count() const { return uint32_t(legs_.size()); }
  PoolIndexQueue& kicks(uint32_t tls_worker) { return *kicks_[tls_worker]; }
  // Publishes progress of a leg to this dataplane worker (once until it is popped). false: queue full.
  bool notify_ready(PooledLeg& leg);
  // Hands a freed slot back. false: queue full.
  bool recycle(uint32_t tls_worker, PooledLeg& leg);

  const uint32_t dataplane_worker;

 private:
  PooledLeg* take_slot();  // drains recycled slots, then pops a free one; nullptr when none

  std::vector<std::unique_ptr<PooledLeg>> legs_;
  std::vector<std::unique_ptr<PoolIndexQueue>> kicks_;     // [tls worker]
  std::vector<std::unique_ptr<PoolIndexQueue>> ready_;     // [tls worker]
  std::vector<std::unique_ptr<PoolIndexQueue>> recycled_;  // [tls worker]
  std::vector<uint32_t> free_;  // dataplane only; capacity max_legs, reserved up front
  uint32_t next_tls_worker_ = 0;
  uint32_t ready_cursor_ = 0;   // which TLS worker's ready queue poll_ready starts with (fairness)
  std::atomic<uint64_t> opened_{0};     // written by the dataplane, read anywhere
  std::atomic<uint64_t> returned_{0};   // written by TLS workers (fetch_add), read anywhere
  std::atomic<uint64_t> exhausted_{0};
};

}  // namespace sluice::tls
