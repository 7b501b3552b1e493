// dataplane/live_telemetry.h — the live counters through DPDK telemetry (dpdk-telemetry.py, or any client of
// /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2).
//
// Owns: the commands `/sluice/stats` (every LiveCounters field, summed over the registered workers) and
// `/sluice/workers` (the same per worker). Callbacks run on DPDK's telemetry thread and only read counters.
// May call: rte_telemetry. Register workers before the telemetry thread can ask (at start-up).
#pragma once

#include <cstdint>
#include <cstdio>

#include "dataplane/live_counters.h"

namespace sluice::dataplane {

// Adds one worker's counters to what the commands report; at most 64 workers. False when full.
bool register_live_telemetry(const LiveCounters* counters);
// Prints every non-zero counter as "name value" lines (the daemon's shutdown report).
void print_live_counters(std::FILE* out, const LiveCounters& counters);

}  // namespace sluice::dataplane
