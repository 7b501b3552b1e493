// dataplane/live_telemetry.cc — see live_telemetry.h.
#include "dataplane/live_telemetry.h"

#include <rte_telemetry.h>

#include <array>
#include <atomic>
#include <cstdlib>

namespace sluice::dataplane {

namespace {

constexpr size_t kMaxWorkers = 64;
std::array<std::atomic<const LiveCounters*>, kMaxWorkers> g_workers{};
std::atomic<size_t> g_worker_count{0};

void add_counters(rte_tel_data* d, const LiveCounters* const* workers, size_t count) {
#define SLUICE_ADD_COUNTER(name, help)                                         \
  {                                                                            \
    uint64_t sum = 0;                                                          \
    for (size_t i = 0; i < count; ++i) sum += workers[i]->name.get();          \
    rte_tel_data_add_dict_u64(d, #name, sum);                                  \
  }
  SLUICE_LIVE_COUNTERS(SLUICE_ADD_COUNTER)
#undef SLUICE_ADD_COUNTER
}

size_t snapshot(const LiveCounters* (&workers)[kMaxWorkers]) {
  const size_t count = g_worker_count.load(std::memory_order_acquire);
  for (size_t i = 0; i < count; ++i) workers[i] = g_workers[i].load(std::memory_order_acquire);
  return count;
}

int stats_command(const char*, const char*, rte_tel_data* d) {
  const LiveCounters* workers[kMaxWorkers];
  const size_t count = snapshot(workers);
  rte_tel_data_start_dict(d);
  add_counters(d, workers, count);
  return 0;
}

int workers_command(const char*, const char* params, rte_tel_data* d) {
  const LiveCounters* workers[kMaxWorkers];
  const size_t count = snapshot(workers);
  const size_t wanted = params != nullptr ? std::strtoul(params, nullptr, 10) : 0;
  if (wanted >= count) return -1;
  rte_tel_data_start_dict(d);
  add_counters(d, &workers[wanted], 1);
  return 0;
}

}  // namespace

bool register_live_telemetry(const LiveCounters* counters) {
  const size_t index = g_worker_count.load(std::memory_order_relaxed);
  if (index >= kMaxWorkers) return false;
  g_workers[index].store(counters, std::memory_order_release);
  g_worker_count.store(index + 1, std::memory_order_release);
  if (index == 0) {
    rte_telemetry_register_cmd("/sluice/stats", stats_command,
                               "Sluice live counters summed over workers. No parameters");
    rte_telemetry_register_cmd("/sluice/worker", workers_command,
                               "Sluice live counters of one worker. Parameter: worker index");
  }
  return true;
}

void print_live_counters(std::FILE* out, const LiveCounters& counters) {
#define SLUICE_PRINT_COUNTER(name, help) \
  if (counters.name.get() != 0) std::fprintf(out, "  %-24s %llu\n", #name, static_cast<unsigned long long>(counters.name.get()));
  SLUICE_LIVE_COUNTERS(SLUICE_PRINT_COUNTER)
#undef SLUICE_PRINT_COUNTER
}

}  // namespace sluice::dataplane
