// tls/tls_worker_pool.h — TLS on its own cores: N TLS workers run the TlsSessions of every dataplane worker's
// TLS legs, fed over single-producer/single-consumer byte rings.
//
// Owns: the pool's pieces and their lifetime: one PoolSource per dataplane worker (its legs, rings and queues,
// tls/pool_source.h) and one TlsWorker per TLS worker (the loop body, tls/pool_worker.h), and the idle policy of
// the loop (spin with the pause instruction for idle_spin_us, then nanosleep idle_sleep_us per empty poll).
//
// Threads: the caller runs them. The daemon calls run_worker(i, stop) from a DPDK lcore
// (rte_eal_remote_launch), tests from std::thread; nothing here depends on DPDK. Dataplane worker d uses only
// source(d), from its own thread. A leg's session is touched by its TLS worker only; the dataplane's calls on a
// leg copy bytes into and out of rings and kick (tls/pool_leg.h). Crypto offload: sessions run with
// SSL_MODE_ASYNC when their context has it; a job that pauses parks its leg on the worker's epoll set of async
// fds until one is readable (epoll_wait with timeout 0 in the loop: never blocks).
//
// Fault injection: stall_worker(i, ms) makes TLS worker i stop polling for ms (tls/pool_stall.h); run_worker
// takes the stall between two polls. Every pool is listed in PoolRegistry::process() while it lives, which is
// how the control thread's `diagnose tls stall` finds it (tls/pool_registry.h says why).
//
// Order of teardown: set stop, join the threads running run_worker (each keeps polling up to stop_drain_ms
// while async jobs are parked), then destroy the pool, then the contexts and the offload engine.
// May call: tls/pool_source.h, tls/pool_worker.h, tls/pool_settings.h, tls/pool_stall.h, tls/pool_registry.h,
// tls/tls_leg.h and the C++ standard library (nanosleep through std::this_thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls/pool_settings.h"
#include "tls/tls_leg.h"

namespace sluice::tls {

class PoolSource;
class StallSwitch;
class TlsWorker;

class TlsWorkerPool {
 public:
  // nullptr and *error when a setting is out of range or an epoll set cannot be made. All legs and rings are
  // allocated here; nothing is allocated per session afterwards except what OpenSSL allocates for an SSL.
  static std::unique_ptr<TlsWorkerPool> create(const TlsWorkerPoolSettings& settings, std::string* error);
  ~TlsWorkerPool();
  TlsWorkerPool(const TlsWorkerPool&) = delete;
  TlsWorkerPool& operator=(const TlsWorkerPool&) = delete;

  // The legs of dataplane worker d (0 <= d < dataplane_workers), for that worker's thread only.
  TlsLegSource& source(uint32_t dataplane_worker);

  // Runs TLS worker i (0 <= i < tls_workers) until stop is true and no async job of its legs is parked (or
  // stop_drain_ms passed). One thread per i.
  void run_worker(uint32_t tls_worker, const std::atomic<bool>& stop);

  // One iteration of TLS worker i, for a caller that runs its own loop; returns how much work it found.
  size_t poll_worker(uint32_t tls_worker);

  // Counters of TLS worker i, readable from any thread.
  const TlsWorkerStats& stats(uint32_t tls_worker) const;
  // Sums over all TLS workers (for telemetry), and over all dataplane workers' sources.
  uint64_t total_async_pauses() const;
  uint64_t total_async_resumes() const;
  uint64_t total_legs_exhausted() const;

  // Fault injection, from any thread: TLS worker i stops polling for ms, from its next iteration of run_worker
  // (poll_worker, the tests' own loops, never stalls). false and *error (operator's words) when i is out of
  // range, ms is not 1..max_injected_stall_ms, or a stall of that worker is already asked for or running.
  bool stall_worker(uint32_t tls_worker, uint32_t ms, std::string* error);
  // Milliseconds of TLS worker i's stall still to come; 0 when it is polling.
  uint64_t stall_remaining_ms(uint32_t tls_worker) const;

  const TlsWorkerPoolSettings& settings() const { return settings_; }

 private:
  explicit TlsWorkerPool(const TlsWorkerPoolSettings& settings);

  TlsWorkerPoolSettings settings_;
  std::vector<std::unique_ptr<PoolSource>> sources_;  // [dataplane worker]
  std::vector<std::unique_ptr<TlsWorker>> workers_;   // [TLS worker]
  std::vector<std::unique_ptr<StallSwitch>> stalls_;  // [TLS worker]
};

}  // namespace sluice::tls
