// dataplane/worker_set.h — the daemon's N dataplane workers as the control plane and telemetry see them.
//
// Owns: one WorkerControl and one LiveCounters per worker (each on its own cache lines; they outlive
// `execute restart workers`), the worker count (fixed when the daemon starts: the ports' queues are made for it),
// and the sums the CLI and Prometheus show. The control thread reads counters and writes requests; each worker
// writes only its own slot.
// May call: dataplane/worker_control.h, live_counters.h.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>

#include "dataplane/live_counters.h"
#include "dataplane/worker_control.h"

namespace sluice::dataplane {

class WorkerSet {
 public:
  static constexpr uint32_t kMaxWorkers = 16;

  explicit WorkerSet(uint32_t count)
      : count_(count == 0 ? 1 : count),
        controls_(std::make_unique<WorkerControl[]>(count_)),
        counters_(std::make_unique<LiveCounters[]>(count_)) {}

  uint32_t count() const { return count_; }
  WorkerControl& control(uint32_t i) { return controls_[i]; }
  const WorkerControl& control(uint32_t i) const { return controls_[i]; }
  LiveCounters& counters(uint32_t i) { return counters_[i]; }
  const LiveCounters& counters(uint32_t i) const { return counters_[i]; }

  // Every counter summed over the workers into `out`; the two that are not additive (the policy version new
  // sessions get, the TSC rate) take the lowest and the first worker's value.
  void sum(LiveCounters& out) const {
#define SLUICE_SUM_COUNTER(name, help)                                       \
  {                                                                          \
    uint64_t total = 0;                                                      \
    for (uint32_t i = 0; i < count_; ++i) total += counters_[i].name.get(); \
    out.name.set(total);                                                     \
  }
    SLUICE_LIVE_COUNTERS(SLUICE_SUM_COUNTER)
#undef SLUICE_SUM_COUNTER
    uint64_t oldest = UINT64_MAX;
    for (uint32_t i = 0; i < count_; ++i) oldest = std::min(oldest, counters_[i].policy_version.get());
    out.policy_version.set(oldest);
    out.tsc_hz.set(counters_[0].tsc_hz.get());
  }
  uint64_t total(Counter LiveCounters::*field) const {
    uint64_t t = 0;
    for (uint32_t i = 0; i < count_; ++i) t += (counters_[i].*field).get();
    return t;
  }
  void set_paused(bool paused) {
    for (uint32_t i = 0; i < count_; ++i) controls_[i].paused.store(paused, std::memory_order_relaxed);
  }
  bool paused() const { return controls_[0].paused.load(std::memory_order_relaxed); }
  // Flow-trace lines the workers may still push (0: no trace running), and the stop of every worker's trace.
  uint64_t trace_lines_left() const {
    uint64_t left = 0;
    for (uint32_t i = 0; i < count_; ++i) left += controls_[i].trace_budget.load(std::memory_order_relaxed);
    return left;
  }
  void stop_trace() {
    for (uint32_t i = 0; i < count_; ++i) controls_[i].trace_budget.store(0, std::memory_order_relaxed);
  }
  uint64_t trace_dropped() const {
    uint64_t t = 0;
    for (uint32_t i = 0; i < count_; ++i) t += controls_[i].trace.dropped();
    return t;
  }

 private:
  uint32_t count_;
  std::unique_ptr<WorkerControl[]> controls_;
  std::unique_ptr<LiveCounters[]> counters_;
};

}  // namespace sluice::dataplane
