// tools/bench/round_runner.h — the ring-port scale benchmark's rounds: one thread per worker, a generator phase that
// is not timed and a drain phase that is.
//
// Owns: worker threads 1..N-1 (worker 0 is the calling thread), each pinned to its own CPU and registered with the
// EAL (an lcore id, so the mempools give it a per-lcore cache), and the two-phase round. Both phases are released
// by the calling thread to every thread at once; between them the threads spin.
// May call: the ring harness (tests/component/ring_appliance.h), DPDK lcore/cycles/pause, pthread affinity.
#pragma once

#include <pthread.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "tests/component/ring_appliance.h"

namespace sluice::bench {

// Worker threads 1..N-1 (worker 0 is the main thread), each pinned to its own core and registered with the EAL so
// the mempools give it a per-lcore cache. A round has two phases, each released by the main thread to all:
// prepare (untimed): every thread runs the generator's share for its own queue, so the frames a worker reads are
// warm in its own core's cache as a NIC's DMA into the LLC would leave them, not in the generator's core; then
// run (timed): every worker drains its rings. Between phases the threads spin.
class RoundRunner {
 public:
  using Prepare = std::function<void(uint32_t worker)>;

  RoundRunner(testing::RingAppliance& app, uint32_t workers) : app_(app), workers_(workers), busy_(workers) {
    pin(0);
    for (uint32_t w = 1; w < workers; ++w) threads_.emplace_back([this, w] { thread_main(w); });
    while (ready_.load(std::memory_order_acquire) != workers - 1) rte_pause();
  }
  ~RoundRunner() {
    quit_.store(true, std::memory_order_release);
    for (std::thread& t : threads_) t.join();
  }
  // Runs `prepare` on every worker's thread (untimed), then one timed round; returns its wall-clock TSC cycles.
  uint64_t round(const Prepare& prepare) {
    prepare_ = &prepare;
    phase(Phase::Prepare);
    const uint64_t t0 = rte_rdtsc_precise();
    phase(Phase::Run);
    return rte_rdtsc_precise() - t0;
  }
  uint64_t round() {
    static const Prepare nothing = [](uint32_t) {};
    return round(nothing);
  }
  // Cycles each worker spent draining (its own core's work, without waiting for the others); reset on read.
  uint64_t take_busy_cycles() {
    uint64_t total = 0;
    for (Busy& b : busy_) total += std::exchange(b.cycles, 0);
    return total;
  }

 private:
  enum class Phase : uint32_t { Prepare, Run };

  void phase(Phase p) {
    finished_.store(0, std::memory_order_relaxed);
    phase_.store(static_cast<uint32_t>(p), std::memory_order_relaxed);
    go_.fetch_add(1, std::memory_order_release);
    work(0, p);
    while (finished_.load(std::memory_order_acquire) != workers_ - 1) rte_pause();
  }
  void work(uint32_t w, Phase p) {
    if (p == Phase::Prepare) {
      (*prepare_)(w);
      return;
    }
    const uint64_t t0 = rte_rdtsc();
    while (app_.worker(w).poll_once() != 0) {   // until an iteration finds its rx and hand-over rings empty
    }
    busy_[w].cycles += rte_rdtsc() - t0;
  }
  static void pin(uint32_t worker) {
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<int>(worker % static_cast<uint32_t>(cpus > 0 ? cpus : 1)), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  void thread_main(uint32_t w) {
    // An lcore id gives the thread its own mempool caches; without one every mbuf would cost a ring operation.
    if (rte_thread_register() != 0) std::fprintf(stderr, "sluice-bench-scale: worker %u has no lcore id\n", w);
    pin(w);
    ready_.fetch_add(1, std::memory_order_release);
    uint64_t seen = 0;
    for (;;) {
      uint64_t now;
      while ((now = go_.load(std::memory_order_acquire)) == seen) {
        if (quit_.load(std::memory_order_relaxed)) {
          rte_thread_unregister();
          return;
        }
        rte_pause();
      }
      seen = now;
      work(w, static_cast<Phase>(phase_.load(std::memory_order_relaxed)));
      finished_.fetch_add(1, std::memory_order_release);
    }
  }

  testing::RingAppliance& app_;
  uint32_t workers_;
  const Prepare* prepare_ = nullptr;
  struct alignas(64) Busy {
    uint64_t cycles = 0;
  };
  std::vector<Busy> busy_;
  std::vector<std::thread> threads_;
  alignas(64) std::atomic<uint64_t> go_{0};
  std::atomic<uint32_t> phase_{0};
  alignas(64) std::atomic<uint32_t> finished_{0};
  alignas(64) std::atomic<uint32_t> ready_{0};
  std::atomic<bool> quit_{false};
};

}  // namespace sluice::bench
