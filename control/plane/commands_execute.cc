// control/plane/commands_execute.cc — execute pause/resume (drain), restart workers, log rotate.
#include <chrono>
#include <thread>

#include "control/plane/commands.h"

namespace sluice::control::plane {

namespace {

// Waits (polling the gauge the worker keeps) until no proxied session is left, or the drain time-out.
bool drain(PlaneState& state, uint32_t timeout_s, uint64_t* left) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    *left = state.links.workers->total(&dataplane::LiveCounters::sessions_open);
    if (*left == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *left = state.links.workers->total(&dataplane::LiveCounters::sessions_open);
  return *left == 0;
}

void restart_workers(PlaneState& state, CliConnection& conn) {
  dataplane::WorkerSet& workers = *state.links.workers;
  const bool was_paused = workers.paused();
  workers.set_paused(true);
  uint64_t left = 0;
  const uint32_t timeout = state.running().policy.control.drain_timeout_s;
  if (!drain(state, timeout, &left)) {
    conn.line(std::to_string(left) + " session(s) still open after the drain time-out (" + std::to_string(timeout) +
              " s, config system control drain-timeout): they are reset by the restart");
  }
  const uint64_t version = state.running().version;
  state.links.restart_workers->store(true, std::memory_order_release);
  state.links.halt_workers->store(true, std::memory_order_release);
  // The main loop stops the worker, builds a new one from the running policy and lets it poll again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         (state.links.restart_workers->load(std::memory_order_acquire) ||
          !state.links.workers_running->load(std::memory_order_acquire))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  workers.set_paused(was_paused);
  if (!state.links.workers_running->load(std::memory_order_acquire)) {
    conn.error("the workers did not come back within 30 s; see the daemon's output");
    return;
  }
  state.pipeline->set_workers_policy(state.running().policy);
  conn.line("workers restarted on version " + std::to_string(version) +
            (was_paused ? "; new sessions are still paused (execute resume)" : "; new sessions accepted"));
  conn.ok();
}

}  // namespace

void run_execute_command(PlaneState& state, CliConnection& conn, const Words& words) {
  const std::string& what = words[1];
  dataplane::WorkerSet& workers = *state.links.workers;
  if (what == "pause") {
    workers.set_paused(true);
    conn.line("new sessions are refused (RST, so senders try their next MX at once); " +
              std::to_string(workers.total(&dataplane::LiveCounters::sessions_open)) + " session(s) in progress go on");
    return conn.ok();
  }
  if (what == "resume") {
    workers.set_paused(false);
    conn.line("new sessions accepted");
    return conn.ok();
  }
  if (what == "restart") return restart_workers(state, conn);
  if (what == "log") {
    workers.control(0).reopen_log.fetch_add(1, std::memory_order_release);   // one log for all workers
    conn.line("log file reopened at the next record (" + state.links.log_path + ")");
    return conn.ok();
  }
  conn.error("unknown execute command '" + what + "'");
}

}  // namespace sluice::control::plane
