// control/plane/control_plane.cc — see control_plane.h.
#include "control/plane/control_plane.h"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "control/plane/commands.h"

namespace sluice::control::plane {

namespace {

constexpr size_t kMaxConnections = 32;
constexpr size_t kMaxRequestBytes = 4096;   // one command line (docs/cli.md)
constexpr int kPollMs = 50;                 // streams and reclaim run at least this often

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string peer_user(int fd) {
  ucred cred{};
  socklen_t length = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) return "?";
  if (const passwd* pw = getpwuid(cred.uid)) return pw->pw_name;
  return "uid " + std::to_string(cred.uid);
}

// The counter list marks its gauges in their help text, so a new gauge needs no second list here.
bool is_gauge(std::string_view help) { return help.find("(gauge)") != std::string_view::npos; }

}  // namespace

std::unique_ptr<edit::CommitHistory> open_history(const ControlSettings& settings, std::string* warning) {
  auto history = std::make_unique<edit::CommitHistory>(settings.history_dir, settings.history_depth);
  std::string error;
  if (!history->open(&error)) {
    *warning = "configuration history unavailable (" + error + "): commit works, rollback does not";
    return nullptr;
  }
  return history;
}

ControlPlane::ControlPlane(DaemonLinks links, std::unique_ptr<edit::CommitHistory> history) {
  state_.links = std::move(links);
  state_.history = std::move(history);
  state_.pipeline = std::make_unique<CommitPipeline>(*state_.links.registry, state_.history.get());
  state_.pipeline->set_workers_policy(state_.links.registry->latest().policy);
  state_.alert_mail = &alert_mail_;
  state_.on_commit = [this](const Policy& before, const Policy& after) { follow_commit(before, after); };
}

// The control thread's own services take a commit at once; what the workers were built with waits for a
// restart (CommitPipeline::restart_blocks).
void ControlPlane::follow_commit(const Policy& before, const Policy& after) {
  std::string error;
  if (before.control.watch_files != after.control.watch_files || files_read_by(before) != files_read_by(after)) {
    watcher_.stop();
    if (after.control.watch_files && !watcher_.watch(after, &error)) {
      std::fprintf(stderr, "sluice: watch-files: %s\n", error.c_str());
    }
  }
  if (!(before.prometheus == after.prometheus)) {
    prometheus_.close();
    if (after.prometheus.enabled && !prometheus_.listen(after.prometheus.listen, &error)) {
      std::fprintf(stderr, "sluice: config system prometheus: %s\n", error.c_str());
    }
  }
  if (!(before.alert_mail == after.alert_mail)) {
    state_.alerts_error.clear();
    if (!alert_mail_.configure(after.alert_mail, state_.links.log_path, &state_.alerts_error)) {
      std::fprintf(stderr, "sluice: alert mail: %s\n", state_.alerts_error.c_str());
    }
  }
}

ControlPlane::~ControlPlane() { stop(); }

bool ControlPlane::bind_socket(const ControlSettings& settings, std::string* error) {
  socket_path_ = settings.socket;
  sockaddr_un addr{};
  if (socket_path_.size() >= sizeof addr.sun_path) {
    *error = "config system control socket: path longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes";
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(socket_path_).parent_path(), ec);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  // A socket file left by a daemon that died is removed; one a live daemon answers on is not taken over.
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    ::close(probe);
    *error = "config system control socket " + socket_path_ + " is in use by another running daemon";
    return false;
  }
  if (probe >= 0) ::close(probe);
  ::unlink(socket_path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    *error = "config system control socket " + socket_path_ + ": " + std::strerror(errno);
    return false;
  }
  // Root only, or root and one group: the socket can change the policy of the appliance.
  mode_t mode = 0600;
  if (!settings.group.empty()) {
    const group* g = getgrnam(settings.group.c_str());
    if (g == nullptr || ::chown(socket_path_.c_str(), 0, g->gr_gid) != 0) {
      *error = "config system control group '" + settings.group + "': no such group";
      return false;
    }
    mode = 0660;
  }
  ::chmod(socket_path_.c_str(), mode);
  return true;
}

bool ControlPlane::start(std::string* error) {
  const Policy& policy = state_.links.registry->latest().policy;
  if (!bind_socket(policy.control, error)) return false;
  if (policy.control.watch_files && !watcher_.watch(policy, error)) return false;
  if (policy.prometheus.enabled && !prometheus_.listen(policy.prometheus.listen, error)) {
    *error = "config system prometheus: " + *error;
    return false;
  }
  if (!alert_mail_.configure(policy.alert_mail, state_.links.log_path, &state_.alerts_error)) {
    std::fprintf(stderr, "sluice: alert mail: %s\n", state_.alerts_error.c_str());
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void ControlPlane::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  for (auto& c : connections_) ::close(c->fd);
  connections_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(socket_path_.c_str());
    listen_fd_ = -1;
  }
  prometheus_.close();
  watcher_.stop();
}

void ControlPlane::critical(const std::string& subject, const std::string& body) {
  alert_mail_.alert("critical", subject, body);
}

void ControlPlane::accept_connections() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (connections_.size() >= kMaxConnections) {
      const char busy[] = "= error too many sluicectl connections\n";
      (void)!::write(fd, busy, sizeof busy - 1);
      ::close(fd);
      continue;
    }
    auto conn = std::make_unique<CliConnection>();
    conn->fd = fd;
    conn->user = peer_user(fd);
    connections_.push_back(std::move(conn));
  }
}

void ControlPlane::read_connection(CliConnection& conn) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(conn.fd, buffer, sizeof buffer);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      stop_stream(state_, conn);
      conn.closing = true;
      conn.output.clear();
      return;
    }
    if (n < 0) break;
    conn.input.append(buffer, static_cast<size_t>(n));
  }
  size_t nl;
  while (!conn.closing && (nl = conn.input.find('\n')) != std::string::npos) {
    std::string line = conn.input.substr(0, nl);
    conn.input.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (conn.streaming != Streaming::None) {
      if (line == "stop") stop_stream(state_, conn);   // anything else waits for the stream's end: ignored
      continue;
    }
    // A Ctrl-C can cross the stream's "= ok" on the wire: a "stop" between commands is dropped unanswered.
    if (line == "stop") continue;
    run_command(state_, conn, line);
  }
  if (conn.input.size() > kMaxRequestBytes) {
    conn.error("request longer than " + std::to_string(kMaxRequestBytes) + " bytes");
    conn.input.clear();
    conn.closing = true;
  }
}

void ControlPlane::write_connection(CliConnection& conn) {
  while (!conn.output.empty()) {
    const ssize_t n = ::send(conn.fd, conn.output.data(), conn.output.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      conn.output.clear();
      conn.closing = true;
      return;
    }
    conn.output.erase(0, static_cast<size_t>(n));
  }
}

void ControlPlane::reload_changed_files(int64_t now) {
  const std::vector<std::string> changed = watcher_.settled(now);
  if (changed.empty()) return;
  std::string names;
  for (const std::string& f : changed) names += (names.empty() ? "" : " ") + f;
  // The running configuration committed again: its files are read and compiled off the workers, published the
  // same way, and a broken file leaves the running policy as it was.
  const Policy policy = state_.running().policy;
  const CommitOutcome out = state_.pipeline->commit(policy, running_text(state_), "inotify", "reload: " + names);
  if (out.ok) {
    std::fprintf(stderr, "sluice: reloaded %s: version %llu (%s)\n", names.c_str(),
                 static_cast<unsigned long long>(out.version), out.summary.c_str());
  } else {
    std::string why;
    for (const std::string& e : out.errors) why += e + "\n";
    std::fprintf(stderr, "sluice: %s changed but does not compile; version %llu stays:\n%s", names.c_str(),
                 static_cast<unsigned long long>(state_.running().version), why.c_str());
    alert_mail_.alert("critical", "reload of " + names + " failed", why);
  }
  std::fflush(stderr);
}

void ControlPlane::render_metrics(telemetry::MetricsText& out) const {
  dataplane::LiveCounters c;
  state_.links.workers->sum(c);
#define SLUICE_METRIC(name, help)                                                          \
  out.family("sluice_" #name, help, is_gauge(help) ? "gauge" : "counter");              \
  out.sample("sluice_" #name, c.name.get());
  SLUICE_LIVE_COUNTERS(SLUICE_METRIC)
#undef SLUICE_METRIC
  out.family("sluice_policy_versions_alive", "committed policy versions still in use by sessions", "gauge");
  out.sample("sluice_policy_versions_alive", state_.links.registry->live_versions().size());
  out.family("sluice_trace_lines_dropped", "flow trace lines lost because the trace ring was full", "counter");
  out.sample("sluice_trace_lines_dropped", state_.links.workers->trace_dropped());
  out.family("sluice_paused", "1 while new sessions are refused (execute pause)", "gauge");
  out.sample("sluice_paused", state_.links.workers->paused() ? 1 : 0);
}

void ControlPlane::run() {
  std::vector<pollfd> fds;
  while (!stop_.load(std::memory_order_relaxed)) {
    fds.clear();
    fds.push_back({listen_fd_, POLLIN, 0});
    if (watcher_.fd() >= 0) fds.push_back({watcher_.fd(), POLLIN, 0});
    for (auto& c : connections_) {
      fds.push_back({c->fd, static_cast<short>(POLLIN | (c->output.empty() ? 0 : POLLOUT)), 0});
    }
    if (prometheus_.fd() >= 0) prometheus_.append_pollfds(fds);
    ::poll(fds.data(), fds.size(), kPollMs);
    const int64_t now = now_ms();
    accept_connections();
    if (watcher_.fd() >= 0) {
      watcher_.read_events(now);
      reload_changed_files(now);
    }
    for (auto& c : connections_) {
      read_connection(*c);
      stream_more(state_, *c);
      write_connection(*c);
    }
    std::erase_if(connections_, [](const std::unique_ptr<CliConnection>& c) {
      if (!c->closing || !c->output.empty()) return false;
      ::close(c->fd);
      return true;
    });
    if (prometheus_.fd() >= 0) prometheus_.serve([this](telemetry::MetricsText& out) { render_metrics(out); });
    if (now >= next_alert_poll_ms_) {
      alert_mail_.poll(static_cast<int64_t>(std::time(nullptr)));
      next_alert_poll_ms_ = now + 1000;
    }
    state_.links.registry->reclaim();
  }
}

}  // namespace sluice::control::plane
