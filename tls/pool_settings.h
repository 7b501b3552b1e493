// tls/pool_settings.h — the limits of the TLS worker pool and the counters each TLS worker keeps.
//
// Owns: TlsWorkerPoolSettings (every limit of the pool, each with a safe default) and TlsWorkerStats (one per
// TLS worker, written by that worker with relaxed atomics, readable from any thread: telemetry, tests).
// May call: tls/tls_session.h (TlsSessionLimits) and the C++ standard library.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "tls/spsc_byte_ring.h"  // kCacheLine
#include "tls/tls_session.h"

namespace sluice::tls {

struct TlsWorkerPoolSettings {
  uint32_t tls_workers = 1;        // threads running run_worker(i) (TLS lcores)
  uint32_t dataplane_workers = 1;  // callers of source(i)
  // Legs per dataplane worker, preallocated with their rings; open_* beyond this returns nullptr (counted).
  // A session uses one (implicit TLS, backend plaintext) or two (both legs).
  uint32_t max_legs = 256;
  // Bytes in each ciphertext ring (TCP <-> TLS) and each plaintext ring (TLS <-> relay), rounded up to a
  // power of two. At least one full TLS record (16 KiB + overhead) each way keeps bulk transfers streaming;
  // memory per dataplane worker is max_legs * 2 * (cipher_ring_bytes + plain_ring_bytes).
  size_t cipher_ring_bytes = 32 * 1024;
  size_t plain_ring_bytes = 32 * 1024;
  TlsSessionLimits session_limits;
  // Idle TLS worker: spins (with the CPU's pause instruction) for this long after its last piece of work, then
  // sleeps idle_sleep_us per empty poll, so that a TLS worker sharing a core does not starve its neighbours.
  // 0 spins not at all.
  uint32_t idle_spin_us = 200;
  uint32_t idle_sleep_us = 50;
  // Most service passes one leg gets per kick before it goes to the back of its worker's queue (fairness
  // between a bulk transfer and handshakes on the same TLS worker).
  uint32_t max_passes_per_service = 8;
  // Most async-fd events handled per poll (epoll_wait's maxevents).
  uint32_t max_async_events = 64;
  // After stop: how long run_worker keeps polling so parked async jobs can finish (freeing an SSL whose job is
  // paused is not safe); a job still parked then is leaked, not freed.
  uint32_t stop_drain_ms = 2000;
  // Fault injection (`diagnose tls stall`, tls/pool_stall.h): the longest stall one request may ask of a TLS
  // worker. Long enough to outlast every session time-out worth testing (handshake-timeout defaults to 30 s),
  // short enough that a typo cannot take TLS away for an hour.
  uint32_t max_injected_stall_ms = 60'000;
};

// Counters of one TLS worker. Relaxed atomics: each is exact on its own, not consistent with the others.
struct alignas(kCacheLine) TlsWorkerStats {
  std::atomic<uint64_t> kicks{0};               // legs taken from kick queues
  std::atomic<uint64_t> services{0};            // service passes run
  std::atomic<uint64_t> handshakes{0};          // handshakes that ended Established
  std::atomic<uint64_t> handshake_failures{0};  // ... that ended Failed (or closed before finishing)
  std::atomic<uint64_t> async_pauses{0};        // WantAsync: a leg parked on its async fds
  std::atomic<uint64_t> async_resumes{0};       // a parked leg resumed because an fd signalled
  std::atomic<uint64_t> async_fd_errors{0};     // fds that could not be watched (the leg is then retried blind)
  std::atomic<uint64_t> parked_now{0};          // legs parked at this moment (a gauge)
  std::atomic<uint64_t> legs_recycled{0};       // released legs freed and handed back
  std::atomic<uint64_t> queue_overflows{0};     // pushes refused by a full queue (a sizing bug; should stay 0)
  std::atomic<uint64_t> idle_sleeps{0};         // nanosleeps taken while idle
  std::atomic<uint64_t> leaked_at_stop{0};      // sessions still parked when the worker stopped
  std::atomic<uint64_t> stalls_injected{0};     // stalls taken on request (fault injection, tls/pool_stall.h)
  std::atomic<uint64_t> stalled_ms{0};          // ... and the milliseconds the worker spent in them
};

}  // namespace sluice::tls
