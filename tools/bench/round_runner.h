// tools/bench/round_runner.h — the ring-port scale benchmark's rounds: one thread per worker, a generator phase that
// is not timed and a drain phase that is.
//
// Owns: worker threads 1..N-1 (worker 0 is the calling thread), each pinned to its own CPU and registered with the
// EAL (an lcore id, so the mempools give it a per-lcore cache), and two ways of running rounds:
// - lockstep (`round`): both phases are released by the calling thread to every thread at once and the round ends
//   when the slowest worker is done; between them the threads spin. Needed when workers hand frames to each other.
// - free-running (`free_run`): each thread repeats its own prepare + timed drain on its own clock, no barrier
//   between cores, as cores fed by a NIC run. Each core's rate is its units over its own drain cycles.
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
  // Free-running: every thread repeats `prepare(w)` (untimed) then drains its rings (timed) with no barrier between
  // cores, and hands each round's drain cycles to `account(w, cycles)`. When any thread's `account` returns true
  // (its share done), every thread stops after its current round, so every counted round ran while all cores
  // were loaded (a core left alone at the end would run faster than it does beside the others).
  using Account = std::function<bool(uint32_t worker, uint64_t drain_cycles)>;
  void free_run(const Prepare& prepare, const Account& account) {
    prepare_ = &prepare;
    account_ = &account;
    stop_.store(false, std::memory_order_relaxed);
    phase(Phase::Free);
  }
  // Cycles each worker spent draining (its own core's work, without waiting for the others); reset on read.
  uint64_t take_busy_cycles() {
    uint64_t total = 0;
    for (Busy& b : busy_) total += std::exchange(b.cycles, 0);
    return total;
  }

 private:
  enum class Phase : uint32_t { Prepare, Run, Free };

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
    if (p == Phase::Run) {
      busy_[w].cycles += drain(w);
      return;
    }
    while (!stop_.load(std::memory_order_relaxed)) {
      (*prepare_)(w);
      const uint64_t cycles = drain(w);
      busy_[w].cycles += cycles;
      if ((*account_)(w, cycles)) stop_.store(true, std::memory_order_relaxed);
    }
  }
  uint64_t drain(uint32_t w) {
    const uint64_t t0 = rte_rdtsc();
    while (app_.worker(w).poll_once() != 0) {   // until an iteration finds its rx and hand-over rings empty
    }
    return rte_rdtsc() - t0;
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
  const Account* account_ = nullptr;
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
  alignas(64) std::atomic<bool> stop_{false};   // free-running: written once, when some core's share is done
};

}  // namespace sluice::bench
