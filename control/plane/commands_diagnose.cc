// control/plane/commands_diagnose.cc — diagnose debug flow, diagnose test connection mailserver,
// diagnose test alertmail, diagnose scan file, diagnose tls stall (fault injection: tls/pool_stall.h).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include "control/notify/alert_queue.h"
#include "control/notify/base64.h"
#include "control/notify/mail_probe.h"
#include "control/plane/alert_mail.h"
#include "control/plane/commands.h"
#include "scan/inspector/json_writer.h"
#include "scan/inspector/message_inspector.h"
#include "tls/pool_registry.h"
#include "tls/tls_worker_pool.h"

namespace sluice::control::plane {

namespace {

std::string describe_filter(const dataplane::FlowFilter& f) {
  if (f.empty()) return "any flow";
  std::string out;
  char text[48];
  if (f.src) out += "src " + std::string(f.src->format(text)) + " ";
  if (f.dst) out += "dst " + std::string(f.dst->format(text)) + " ";
  if (f.port != 0) out += "port " + std::to_string(f.port) + " ";
  if (!f.vip.empty()) out += "vip " + f.vip + " ";
  out.pop_back();
  return out;
}

void debug_flow(PlaneState& state, CliConnection& conn, const Words& words) {
  dataplane::WorkerSet& workers = *state.links.workers;
  const std::string& verb = words[3];
  if (verb == "filter") {
    const std::string& key = words[4];
    if (key == "clear") {
      state.flow_filter = dataplane::FlowFilter{};
    } else if (words.size() < 6) {
      return conn.error("diagnose debug flow filter " + key + ": missing value");
    } else if (key == "src" || key == "dst") {
      const auto ip = dataplane::IpAddr::parse(words[5]);
      if (!ip) return conn.error("bad IP address: '" + words[5] + "'");
      (key == "src" ? state.flow_filter.src : state.flow_filter.dst) = *ip;
    } else if (key == "port") {
      char* end = nullptr;
      const unsigned long port = std::strtoul(words[5].c_str(), &end, 10);
      if (*end != '\0' || port == 0 || port > 65535) return conn.error("bad port: '" + words[5] + "' (1..65535)");
      state.flow_filter.port = static_cast<uint16_t>(port);
    } else if (key == "vip") {
      state.flow_filter.vip = words[5];
    }
    conn.line("filter: " + describe_filter(state.flow_filter));
    return conn.ok();
  }
  if (verb == "show") {
    conn.line("filter: " + describe_filter(state.flow_filter));
    const bool running = workers.trace_lines_left() > 0;
    conn.line("trace: " + (running ? "running on " + std::to_string(workers.count()) + " worker(s)"
                                   : std::string("not running")));
    return conn.ok();
  }
  // trace start N / trace stop
  if (words[4] == "stop") {
    workers.stop_trace();
    conn.line("trace stopped");
    return conn.ok();
  }
  char* end = nullptr;
  const unsigned long count = std::strtoul(words[5].c_str(), &end, 10);
  const uint32_t limit = state.running().policy.control.trace_max_lines;
  if (*end != '\0' || count == 0 || count > limit) {
    return conn.error("trace start: count is 1.." + std::to_string(limit) + " (config system control trace-max-lines)");
  }
  if (workers.trace_lines_left() > 0) return conn.error("a trace is already running (diagnose debug flow trace stop)");
  // Every worker gets the whole budget (a flow lives on one of them); the stream ends at `count` lines in all.
  for (uint32_t i = 0; i < workers.count(); ++i) {
    dataplane::WorkerControl& w = workers.control(i);
    std::string line;
    while (w.trace.pop(&line)) {
    }
    w.trace_filter = state.flow_filter;
    w.trace_budget.store(static_cast<uint32_t>(count), std::memory_order_relaxed);
    w.trace_generation.fetch_add(1, std::memory_order_release);
  }
  state.trace_requested = count;
  conn.line("tracing " + std::to_string(count) + " line(s) of " + describe_filter(state.flow_filter) +
            "; 'stop' (Ctrl-C) ends it");
  conn.streaming = Streaming::Trace;
  conn.streamed_lines = 0;
}

// Runs fn in the network namespace `netns` (ip netns name; "" = the daemon's own). setns() changes only the
// calling thread, so a short-lived thread does it and the control thread stays where it is.
template <typename Fn>
bool in_netns(const std::string& netns, std::string* error, Fn fn) {
  if (netns.empty()) {
    fn();
    return true;
  }
  bool ok = true;
  std::thread t([&] {
    const std::string path = "/var/run/netns/" + netns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      *error = "cannot enter network namespace " + path + ": " + std::strerror(errno);
      ok = false;
    } else {
      fn();
    }
    if (fd >= 0) ::close(fd);
  });
  t.join();
  return ok;
}

void test_connection(PlaneState& state, CliConnection& conn, const Words& words) {
  const Policy& p = state.running().policy;
  notify::MailServer server;
  std::string target = words[4], error;
  // A VIP name probes what the Internet sees: its public address on its first port.
  for (const Vip& v : p.vips) {
    if (v.name == target) {
      const std::vector<uint16_t>& ports = v.ports.empty() ? p.smtp.ports : v.ports;
      target = (v.extip.find(':') != std::string::npos ? "[" + v.extip + "]" : v.extip) + ":" +
               std::to_string(ports.empty() ? 25 : ports.front());
    }
  }
  if (!notify::parse_host_port(target, &server.host, &server.port, &error)) return conn.error(error);
  server.secure = notify::SecureOption::Default;
  server.timeout_ms = p.alert_mail.timeout_s * 1000;
  server.helo = p.alert_mail.helo;
  server.ca_file = p.alert_mail.ca_file;
  notify::ProbeReport report;
  if (!in_netns(p.control.probe_netns, &error, [&] { report = notify::probe_mail_server(server, words[5], words[6]); })) {
    return conn.error(error);
  }
  conn.lines(notify::format_probe_report(report));
  report.error.empty() ? conn.ok() : conn.error("probe stopped: " + report.error);
}

// A file that is not a message is scanned as the attachment of one, so archives and binaries take the same
// path as in mail.
std::string as_message(const std::string& path, const std::string& content) {
  if (path.ends_with(".eml") || content.starts_with("From:") || content.starts_with("Received:") ||
      content.starts_with("Return-Path:")) {
    return content;
  }
  const std::string name = path.substr(path.rfind('/') + 1);
  const std::string encoded = notify::base64(content);
  std::string out =
      "From: diagnose@sluice\r\nTo: diagnose@sluice\r\nSubject: diagnose scan file\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"sluice-diagnose\"\r\n\r\n--sluice-diagnose\r\n"
      "Content-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" +
      name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  out += "--sluice-diagnose--\r\n";
  return out;
}

void scan_file(PlaneState& state, CliConnection& conn, const Words& words) {
  const std::string& path = words[3];
  std::ifstream in(path, std::ios::binary);
  if (!in) return conn.error("cannot read " + path + ": " + std::strerror(errno));
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const uint64_t max = static_cast<uint64_t>(state.running().policy.smtp.oversize_limit_mb) << 20;
  if (content.size() > max) return conn.error(path + " is larger than oversize-limit; it would not be scanned");
  const std::string message = as_message(path, content);
  // The control thread's own scratch and inspector over the running snapshot (only this thread frees snapshots).
  const scan::PolicySnapshot& snapshot = state.running();
  engine::Scratch scratch(*snapshot.database);
  scan::MessageInspector inspector(snapshot, scratch);
  scan::MessageRecord record;
  record.policy_version = snapshot.version;
  inspector.begin(&record);
  constexpr size_t kChunk = 1460;   // what one TCP segment carries: the same pieces the pipeline sees
  for (size_t off = 0; off < message.size(); off += kChunk) inspector.feed(std::string_view(message).substr(off, kChunk));
  smtp::MessageEnd end;
  end.complete = true;
  end.size = message.size();
  inspector.finish(end);
  std::string reasons;
  for (const std::string& r : record.verdict.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
  conn.line(std::string("verdict: ") + action_name(record.verdict.action) + (reasons.empty() ? "" : " (" + reasons + ")") +
            ", policy version " + std::to_string(snapshot.version));
  for (const scan::HitRecord& h : record.hits) {
    conn.line("hit: " + h.kind + " " + h.name + " in " + h.where + (h.score != 0 ? " score " + std::to_string(h.score) : ""));
  }
  conn.line("spam score: " + std::to_string(record.spam_score) + ", cycles: " + std::to_string(record.cycles));
  std::string json;
  scan::write_message_json(record, json);
  conn.line("record: " + json);
  conn.ok();
}

void test_alertmail(PlaneState& state, CliConnection& conn, const Words& words) {
  std::string subject;
  for (size_t i = 3; i < words.size(); ++i) subject += (subject.empty() ? "" : " ") + words[i];
  bool ok = false;
  conn.lines(state.alert_mail->test(subject.empty() ? "test message" : subject, &ok));
  ok ? conn.ok() : conn.error("the test message was not sent");
}

// A whole decimal number in 0..max, or nullopt.
std::optional<uint32_t> parse_count(const std::string& text, uint32_t max) {
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (value > max) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// Fault injection (docs/security.md "Fault injection"): the TLS workers of the running pool (config system tls
// workers N) stop polling for a while. The pool belongs to the live workers' run, not to this thread: it is
// reached through tls::PoolRegistry, whose lock keeps it alive while we ask. With workers 0 there is no pool
// (TLS runs on the dataplane worker, which this does not stall) and the command says so.
void tls_stall(PlaneState& state, CliConnection& conn, const Words& words) {
  const std::string& seconds_text = words[3];
  std::optional<uint32_t> only;
  if (words.size() >= 6) {
    only = parse_count(words[5], UINT32_MAX);
    if (!only) return conn.error("bad TLS worker index: '" + words[5] + "' (0, 1, ...)");
  }
  std::vector<std::string> answers;
  std::string error;
  size_t pools = 0;
  tls::PoolRegistry::process().with_pools([&](std::span<tls::TlsWorkerPool* const> live) {
    pools = live.size();
    for (tls::TlsWorkerPool* pool : live) {
      const uint32_t max_s = pool->settings().max_injected_stall_ms / 1000;
      const std::optional<uint32_t> seconds = parse_count(seconds_text, max_s);
      if (!seconds || *seconds == 0) {
        error = "stall seconds must be a whole number 1.." + std::to_string(max_s) + ", not '" + seconds_text + "'";
        return;
      }
      const uint32_t workers = pool->settings().tls_workers;
      if (only && *only >= workers) {
        error = "no TLS worker " + std::to_string(*only) + ": there are " + std::to_string(workers) +
                " (config system tls workers), numbered from 0";
        return;
      }
      for (uint32_t i = only.value_or(0); i < (only ? *only + 1 : workers); ++i) {
        const tls::TlsWorkerStats& before = pool->stats(i);
        const uint64_t stalls = before.stalls_injected.load(std::memory_order_relaxed);
        const uint64_t stalled_ms = before.stalled_ms.load(std::memory_order_relaxed);
        std::string why;
        if (!pool->stall_worker(i, *seconds * 1000, &why)) {
          answers.push_back("TLS worker " + std::to_string(i) + ": refused: " + why);
          if (error.empty()) error = why;
          continue;
        }
        answers.push_back("TLS worker " + std::to_string(i) + ": stops polling for " + std::to_string(*seconds) +
                          " s from its next poll (injected before: " + std::to_string(stalls) + " stall(s), " +
                          std::to_string(stalled_ms) + " ms stalled in all)");
        // The daemon's own log (stderr): a fault someone injected must be visible beside what it caused.
        std::fprintf(stderr, "sluice: diagnose tls stall: TLS worker %u stops polling for %u s (fault injection by %s)\n",
                     i, *seconds, conn.user.c_str());
      }
    }
  });
  if (pools == 0) {
    return conn.error("no TLS worker is running (config system tls workers " +
                      std::to_string(state.running().policy.tls.workers) +
                      "; with 0, TLS runs on each dataplane worker's own core and cannot be stalled alone)");
  }
  for (const std::string& line : answers) conn.line(line);
  error.empty() ? conn.ok() : conn.error(error);
}

}  // namespace

void run_diagnose_command(PlaneState& state, CliConnection& conn, const Words& words) {
  if (words.size() >= 4 && words[1] == "debug" && words[2] == "flow") return debug_flow(state, conn, words);
  if (words.size() >= 7 && words[1] == "test" && words[2] == "connection") return test_connection(state, conn, words);
  if (words.size() >= 3 && words[1] == "test" && words[2] == "alertmail") return test_alertmail(state, conn, words);
  if (words.size() >= 4 && words[1] == "scan" && words[2] == "file") return scan_file(state, conn, words);
  if (words.size() >= 4 && words[1] == "tls" && words[2] == "stall") return tls_stall(state, conn, words);
  conn.error("unknown diagnose command");
}

}  // namespace sluice::control::plane
