// dataplane/live_mode.h — `sluice --mode live`: set up the two-port appliance and run its worker.
//
// Owns: one run of the live workers — topology and TLS contexts from the policy that is current when it
// starts, the N workers with their steering (rte_flow rules or the software redirect mesh), and the shared
// record log they write to. The caller (the daemon's main) owns
// what outlives a run: the snapshot registry, the control channel, the counters, the log, the ports; it calls
// run_live again after `execute restart workers`.
// May call: dataplane/{live_topology,live_worker,live_telemetry,ports}, scan/inspector, control/log,
// control/telemetry (syslog).
#pragma once

#include <atomic>
#include <cstdint>

#include "control/log/record_writer.h"
#include "dataplane/live_counters.h"
#include "dataplane/ports.h"
#include "dataplane/worker_control.h"
#include "dataplane/worker_set.h"
#include "scan/inspector/snapshot_registry.h"

namespace sluice::dataplane {

struct LiveRuntime {
  scan::SnapshotRegistry* registry = nullptr;
  WorkerSet* workers = nullptr;              // N workers' control slots and counters (they outlive a restart)
  log::RecordWriter* records = nullptr;
  PortSet* ports = nullptr;
  uint32_t idle_sleep_us = 0;
  std::atomic<bool>* halt = nullptr;         // set by SIGINT/SIGTERM or by a restart request: the worker stops
  std::atomic<bool>* running = nullptr;      // true while a worker polls
};

// Installs SIGINT/SIGTERM (stop: sets *halt and remembers it) and SIGHUP (log rotation: the worker reopens
// its log file at the next record).
void install_live_signals(LiveRuntime& runtime);
// True once SIGINT or SIGTERM arrived.
bool live_stop_requested();

// Runs the workers (runtime.workers->count(): worker 0 on the main lcore, the others on the first EAL worker
// lcores, then the TLS lcores) until *runtime.halt. Returns the process exit code (0 after a clean halt); prints problems
// to stderr.
int run_live(LiveRuntime& runtime);

}  // namespace sluice::dataplane
