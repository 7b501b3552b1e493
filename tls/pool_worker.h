// tls/pool_worker.h — one TLS worker of the pool: the loop body that runs the TlsSessions of the legs assigned
// to it.
//
// Owns: the worker's epoll set of async fds (legs whose crypto job is parked), its retry list (legs that used up
// their passes and go again next poll), the blind-parked list (jobs whose fds could not be watched) and its
// TlsWorkerStats. poll_once() is one iteration: drain kicks from every dataplane worker, service each kicked
// leg (feed ciphertext, advance, read plaintext into plain_out, write plain_in, close, move pending ciphertext
// into cipher_out), resume parked legs whose fds are readable (epoll_wait with timeout 0: never blocks),
// publish state and report (release), and tell the leg's dataplane worker (ready queue) when anything moved.
// Released legs are freed here once no async job holds them, and their slots handed back.
// May call: tls/pool_source.h, tls/pool_leg.h, tls/leg_report.h, tls/crypto_offload.h (async fd helpers),
// tls/tls_session.h, Linux epoll, the C++ standard library.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <vector>

#include "tls/pool_leg.h"
#include "tls/pool_settings.h"
#include "tls/pool_source.h"

namespace sluice::tls {

class TlsWorker {
 public:
  // epoll_create1 may fail: ok() says so and error() why.
  TlsWorker(uint32_t index, const TlsWorkerPoolSettings& settings, std::vector<PoolSource*> sources);
  ~TlsWorker();
  TlsWorker(const TlsWorker&) = delete;
  TlsWorker& operator=(const TlsWorker&) = delete;

  bool ok() const { return epoll_fd_ >= 0; }
  const char* error() const { return error_; }

  // One poll iteration; returns how much work it found (0: idle).
  size_t poll_once();
  // Legs whose job is parked now (the stop drain waits for 0).
  size_t parked() const { return parked_count_; }
  // After the worker stopped for good: sessions still parked are leaked (not freed under their job).
  void abandon_parked();

  TlsWorkerStats& stats() { return stats_; }
  const TlsWorkerStats& stats() const { return stats_; }

 private:
  void service(PooledLeg& leg);
  bool run_passes(PooledLeg& leg, bool* moved);
  bool resume_parked_call(PooledLeg& leg, bool* moved);
  void park(PooledLeg& leg, ParkedCall call);
  void wake(PooledLeg& leg);
  void publish(PooledLeg& leg, bool moved);
  void free_session(PooledLeg& leg);
  void requeue(PooledLeg& leg);
  size_t poll_async();
  void flush_recycled();

  const uint32_t index_;
  const TlsWorkerPoolSettings settings_;
  std::vector<PoolSource*> sources_;
  int epoll_fd_ = -1;
  const char* error_ = "";
  size_t parked_count_ = 0;
  std::vector<PooledLeg*> retry_;       // capacity: every leg of every source, reserved up front
  std::vector<PooledLeg*> retry_next_;
  std::vector<PooledLeg*> blind_;       // parked legs retried every poll (fds not watchable)
  std::vector<PooledLeg*> blind_now_;
  // Freed legs are handed back at the end of poll_once(), not at once: an epoll event later in the same batch
  // may still point at one, and a slot handed back can be reopened on another TLS worker straight away.
  std::vector<PooledLeg*> to_recycle_;
  std::vector<epoll_event> events_;
  TlsWorkerStats stats_;
};

}  // namespace sluice::tls
