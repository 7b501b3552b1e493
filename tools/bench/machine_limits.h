// tools/bench/machine_limits.h — what the machine itself gives N cores, measured beside a benchmark in the same run.
//
// Owns: two share-nothing loops run on 1 and on N pinned threads (median of 5 pairs): one in L2 (hashing a private
// 1 MB buffer) and one memory-bound (random read-modify-writes over a private 64 MB buffer). May call: threads,
// pthread affinity, DPDK's TSC.
#pragma once

#include <cstdint>

namespace sluice::bench {

// N threads' throughput / one thread's, for the L2 loop (memory_bound false) or the memory-bound one.
double machine_parallel_ratio(uint32_t threads, bool memory_bound);

}  // namespace sluice::bench
