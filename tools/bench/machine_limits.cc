// tools/bench/machine_limits.cc — see machine_limits.h.
#include "tools/bench/machine_limits.h"

#include <pthread.h>
#include <rte_cycles.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace sluice::bench {

// The machine's own limits, measured in the same run: the same number of pinned threads running a share-nothing
// loop against one thread. Two loops, because the host limits them differently: a compute loop in L1/L2 (hashing a
// private 1 MB buffer: only clocks that drop when more cores are busy, or SMT siblings, keep it below 2) and a
// memory-bound one (random read-modify-writes over a private 64 MB buffer: the LLC and memory bandwidth the two
// cores share, with whatever else the host runs). A worker is in between: its frames and sessions are in L2, its
// mbuf pool, connection table and session pool are not.
double machine_parallel_ratio(uint32_t workers, bool memory_bound) {
  const uint64_t iterations = memory_bound ? 8'000'000 : 40'000'000;
  const size_t bytes = memory_bound ? (64u << 20) : (1u << 20);
  auto rate_with = [&](uint32_t threads) {
    std::atomic<uint64_t> sink{0};
    std::vector<std::vector<uint64_t>> buffers(threads, std::vector<uint64_t>(bytes / 8, 1));
    const uint64_t t0 = rte_rdtsc_precise();
    std::vector<std::thread> pool;
    for (uint32_t t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(static_cast<int>(t % static_cast<uint32_t>(cpus > 0 ? cpus : 1)), &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
        std::vector<uint64_t>& buffer = buffers[t];
        const uint64_t mask = buffer.size() - 1;
        uint64_t x = 88172645463325252ull + t, h = 1469598103934665603ull;
        for (uint64_t i = 0; i < iterations; ++i) {
          x ^= x << 13;   // xorshift: the next slot, unpredictable to the prefetcher
          x ^= x >> 7;
          x ^= x << 17;
          uint64_t& slot = buffer[memory_bound ? (x & mask) : (i & mask)];
          h = (h ^ slot) * 1099511628211ull;
          slot = h;
        }
        sink += h;
      });
    }
    for (std::thread& t : pool) t.join();
    return static_cast<double>(threads) * iterations / static_cast<double>(rte_rdtsc_precise() - t0);
  };
  std::vector<double> ratios;
  for (int rep = 0; rep < 5; ++rep) {
    const double one = rate_with(1);
    ratios.push_back(rate_with(workers) / one);
  }
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

}  // namespace sluice::bench
