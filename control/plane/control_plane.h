// control/plane/control_plane.h — the daemon's control thread.
//
// Owns: the sluicectl Unix socket (root, or the configured group) and its connections, the configuration
// history, the commit pipeline, the file watcher (signature/URL/reputation files recompiled on change), the
// Prometheus endpoint, alert mail, and reclaiming snapshots no worker uses any more. It never touches flow
// state: it talks to workers only through SnapshotRegistry and WorkerControl.
// May call: control/plane/*, control/edit, control/telemetry, control/notify, scan/inspector.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "control/plane/alert_mail.h"
#include "control/plane/cli_connection.h"
#include "control/plane/file_watcher.h"
#include "control/plane/plane_state.h"
#include "control/telemetry/prometheus_endpoint.h"

namespace sluice::control::plane {

// The history as configured (config system control history-dir/-depth); nullptr with *warning when it cannot
// be opened (the daemon runs on, without history and rollback).
std::unique_ptr<edit::CommitHistory> open_history(const ControlSettings& settings, std::string* warning);

class ControlPlane {
 public:
  ControlPlane(DaemonLinks links, std::unique_ptr<edit::CommitHistory> history);
  ~ControlPlane();
  // Binds the socket (refusing one a running daemon holds), starts the watcher, Prometheus and alert mail,
  // then the thread. False with *error.
  bool start(std::string* error);
  void stop();
  // Critical events (worker restarts, failed reloads) for alert mail; thread-safe enough for the main thread
  // to call before start() or after stop() only.
  void critical(const std::string& subject, const std::string& body);

 private:
  bool bind_socket(const ControlSettings& settings, std::string* error);
  void run();
  void accept_connections();
  void read_connection(CliConnection& conn);
  void write_connection(CliConnection& conn);
  void reload_changed_files(int64_t now_ms);
  void render_metrics(telemetry::MetricsText& out) const;
  void follow_commit(const Policy& before, const Policy& after);

  PlaneState state_;
  AlertMail alert_mail_;
  FileWatcher watcher_;
  telemetry::PrometheusEndpoint prometheus_;
  int listen_fd_ = -1;
  std::string socket_path_;
  std::vector<std::unique_ptr<CliConnection>> connections_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int64_t next_alert_poll_ms_ = 0;
};

}  // namespace sluice::control::plane
