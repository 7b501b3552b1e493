// control/plane/plane_state.h — what the control thread's commands work with.
//
// Owns nothing itself: it gathers, for the command handlers (commands_*.cc), the daemon's shared objects
// (registry, worker control, counters), the control thread's own (history, commit pipeline, alert queue), and
// the switches the main loop reads (restart the workers). Everything here is touched by the control thread
// only, except the atomics, whose other side is named beside them.
// May call: scan/inspector (SnapshotRegistry), dataplane (WorkerControl, LiveCounters), control/edit,
// control/notify.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/edit/commit_history.h"
#include "control/plane/commit_pipeline.h"
#include "dataplane/live_counters.h"
#include "dataplane/worker_set.h"
#include "dataplane/worker_control.h"
#include "scan/inspector/snapshot_registry.h"

namespace sluice::control::plane {

class AlertMail;

// What the daemon hands the control plane.
struct DaemonLinks {
  scan::SnapshotRegistry* registry = nullptr;
  dataplane::WorkerSet* workers = nullptr;             // every dataplane worker's control slot and counters
  std::string config_path;                             // the file the daemon started from
  std::string base_dir;                                // where relative paths of candidates resolve
  std::string log_path;                                // the message log (show log)
  std::atomic<bool>* restart_workers = nullptr;        // control sets; the main loop restarts the workers
  std::atomic<bool>* halt_workers = nullptr;           // control sets with restart_workers: the worker stops polling
  std::atomic<bool>* workers_running = nullptr;        // the main loop sets while a worker polls
  int64_t started_unix = 0;
};

struct PlaneState {
  DaemonLinks links;
  std::unique_ptr<edit::CommitHistory> history;        // null when the history directory could not be opened
  std::unique_ptr<CommitPipeline> pipeline;
  AlertMail* alert_mail = nullptr;                     // owned by ControlPlane
  std::string alerts_error;                            // why alert mail is not working (show alertmail)
  uint64_t trace_lines_sent = 0;
  uint64_t trace_requested = 0;                        // lines the running trace asked for (all workers together)
  dataplane::FlowFilter flow_filter;                   // diagnose debug flow filter (used by the next trace)
  // After every successful commit (CLI, rollback, file reload): the control thread's own services follow the new
  // policy (watched files, Prometheus address, alert mail). Set by ControlPlane.
  std::function<void(const Policy& before, const Policy& after)> on_commit;

  const scan::PolicySnapshot& running() const { return links.registry->latest(); }
};

}  // namespace sluice::control::plane
