// control/plane/commands_show.cc — show vip/policy/session/stats/tls/log/alertmail.
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "control/plane/alert_mail.h"
#include "control/plane/commands.h"

namespace sluice::control::plane {

namespace {

std::string join_ports(const std::vector<uint16_t>& ports) {
  std::string out;
  for (uint16_t p : ports) out += (out.empty() ? "" : " ") + std::to_string(p);
  return out.empty() ? "-" : out;
}

void show_vip(PlaneState& state, CliConnection& conn) {
  const Policy& p = state.running().policy;
  const std::vector<std::string> pending = state.pipeline->pending_restart();
  bool vip_pending = false;
  for (const std::string& b : pending) vip_pending = vip_pending || b == "firewall vip" || b == "ssl profile";
  conn.line("name             extip                    mappedip                 ports         mappedport  ssl-profile");
  for (const Vip& v : p.vips) {
    char line[256];
    std::snprintf(line, sizeof line, "%-16s %-24s %-24s %-13s %-11s %s", v.name.c_str(), v.extip.c_str(),
                  v.mappedip.c_str(), join_ports(v.ports.empty() ? p.smtp.ports : v.ports).c_str(),
                  v.mappedport == 0 ? "same" : std::to_string(v.mappedport).c_str(),
                  v.ssl_profile.empty() ? "-" : v.ssl_profile.c_str());
    conn.line(line);
  }
  conn.line(std::to_string(p.vips.size()) + " VIP(s)" +
            (vip_pending ? "; the workers still serve the VIPs of before the last commit (execute restart workers)" : ""));
  conn.ok();
}

void show_policy(PlaneState& state, CliConnection& conn) {
  const scan::PolicySnapshot& s = state.running();
  conn.line("running version: " + std::to_string(s.version));
  if (state.history) {
    for (const edit::CommitInfo& c : state.history->list()) {
      if (c.version == s.version) conn.line("committed by: " + c.user + (c.comment.empty() ? "" : " (" + c.comment + ")"));
    }
  }
  const engine::LoadStats& st = s.signature_stats;
  conn.line("signatures: " + std::to_string(st.body + st.hash) + " (body " + std::to_string(st.body) + ", hash " +
            std::to_string(st.hash) + "), anti-spam rules " + std::to_string(st.rules) + ", approximated " +
            std::to_string(st.approximated));
  conn.line("stream state per message view: " + std::to_string(s.database->stream_state_bytes()) + " bytes");
  conn.line("url lists: " + std::to_string(s.url_lists.domain_count()) + " domains, " +
            std::to_string(s.url_lists.url_count()) + " urls");
  for (const std::string& f : s.policy.antivirus.signature_files) conn.line("signature file: " + f);
  std::string live;
  for (uint64_t v : state.links.registry->live_versions()) live += (live.empty() ? "" : " ") + std::to_string(v);
  conn.line("versions in use (sessions in progress keep theirs): " + live);
  for (uint32_t i = 0; i < state.links.workers->count(); ++i) {
    const uint64_t worker_version = state.links.workers->counters(i).policy_version.get();
    conn.line("worker " + std::to_string(i) + " gives new sessions version " + std::to_string(worker_version));
  }
  const std::vector<std::string> pending = state.pipeline->pending_restart();
  std::string blocks;
  for (const std::string& b : pending) blocks += (blocks.empty() ? "" : ", ") + b;
  conn.line("pending 'execute restart workers': " + (blocks.empty() ? std::string("none") : blocks));
  conn.line(std::string("new sessions: ") +
            (state.links.workers->paused() ? "paused (execute resume)" : "accepted"));
  conn.ok();
}

bool parse_filter(const Words& words, size_t from, dataplane::FlowFilter* f, std::string* error) {
  for (size_t i = from; i < words.size(); i += 2) {
    if (i + 1 >= words.size()) {
      *error = "'" + words[i] + "' needs a value";
      return false;
    }
    const std::string& key = words[i];
    const std::string& value = words[i + 1];
    if (key == "src" || key == "dst") {
      const auto ip = dataplane::IpAddr::parse(value);
      if (!ip) {
        *error = "bad IP address for " + key + ": '" + value + "'";
        return false;
      }
      (key == "src" ? f->src : f->dst) = *ip;
    } else if (key == "port") {
      char* end = nullptr;
      const unsigned long port = std::strtoul(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || port == 0 || port > 65535) {
        *error = "bad port: '" + value + "' (1..65535)";
        return false;
      }
      f->port = static_cast<uint16_t>(port);
    } else if (key == "vip") {
      f->vip = value;
    } else {
      *error = "unknown filter '" + key + "' (src, dst, port, vip)";
      return false;
    }
  }
  return true;
}

// Asks every worker for its session list and waits for the answers (each answers at its next poll).
bool ask_sessions(PlaneState& state, const dataplane::FlowFilter& filter, std::string* out) {
  dataplane::WorkerSet& workers = *state.links.workers;
  if (!state.links.workers_running->load(std::memory_order_acquire)) return false;
  std::vector<uint64_t> asked(workers.count());
  for (uint32_t i = 0; i < workers.count(); ++i) {
    dataplane::WorkerControl& w = workers.control(i);
    asked[i] = w.sessions_served.load(std::memory_order_acquire) + 1;
    w.session_filter = filter;
    w.sessions_requested.store(asked[i], std::memory_order_release);
  }
  out->clear();
  for (uint32_t i = 0; i < workers.count(); ++i) {
    dataplane::WorkerControl& w = workers.control(i);
    int waited = 0;
    while (w.sessions_served.load(std::memory_order_acquire) != asked[i]) {
      if (++waited > 2000) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    *out += w.session_list;
  }
  return true;
}

void show_session(PlaneState& state, CliConnection& conn, const Words& words) {
  dataplane::FlowFilter filter;
  std::string error, list;
  if (!parse_filter(words, 2, &filter, &error)) return conn.error("show session: " + error);
  if (!ask_sessions(state, filter, &list)) return conn.error("show session: a worker did not answer within 2 s");
  conn.lines(list);
  conn.ok();
}

void add_counters(CliConnection& conn, const dataplane::LiveCounters& c) {
#define SLUICE_SHOW_COUNTER(name, help)                                        \
  {                                                                            \
    char line[96];                                                             \
    std::snprintf(line, sizeof line, "%-28s %llu", #name,                      \
                  static_cast<unsigned long long>(c.name.get()));              \
    conn.line(line);                                                           \
  }
  SLUICE_LIVE_COUNTERS(SLUICE_SHOW_COUNTER)
#undef SLUICE_SHOW_COUNTER
}

void show_stats(PlaneState& state, CliConnection& conn, const Words& words) {
  const bool per_core = words.size() > 2 && words[2] == "per-core";
  dataplane::WorkerSet& workers = *state.links.workers;
  if (per_core) {
    for (uint32_t i = 0; i < workers.count(); ++i) {
      conn.line("worker " + std::to_string(i) + (i == 0 ? " (lcore of the main thread):" : ":"));
      add_counters(conn, workers.counters(i));
      conn.line("trace_lines_dropped          " + std::to_string(workers.control(i).trace.dropped()));
    }
    return conn.ok();
  }
  dataplane::LiveCounters total;
  workers.sum(total);
  add_counters(conn, total);
  conn.line("trace_lines_dropped          " + std::to_string(workers.trace_dropped()));
  conn.ok();
}

void describe_certificates(CliConnection& conn, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    conn.line("    " + path + ": cannot open");
    return;
  }
  int index = 0;
  while (X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr)) {
    char subject[256], issuer[256], not_after[64] = "?";
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
    X509_NAME_oneline(X509_get_issuer_name(cert), issuer, sizeof issuer);
    if (BIO* b = BIO_new(BIO_s_mem())) {
      ASN1_TIME_print(b, X509_get0_notAfter(cert));
      const int n = BIO_read(b, not_after, sizeof not_after - 1);
      not_after[n > 0 ? n : 0] = '\0';
      BIO_free(b);
    }
    const char* key = "?";
    if (EVP_PKEY* k = X509_get0_pubkey(cert)) key = EVP_PKEY_get0_type_name(k);
    conn.line(std::string("    ") + (index == 0 ? "leaf " : "chain ") + subject + " issuer " + issuer + " key " +
              (key ? key : "?") + " expires " + not_after);
    X509_free(cert);
    ++index;
  }
  std::fclose(f);
  if (index == 0) conn.line("    " + path + ": no certificate");
}

void show_tls(PlaneState& state, CliConnection& conn) {
  const Policy& p = state.running().policy;
  const char* modes[] = {"protecting-server", "certificate-inspection", "none"};
  for (const SslProfile& prof : p.ssl_profiles) {
    conn.line("ssl profile \"" + prof.name + "\": mode " + modes[static_cast<int>(prof.mode)] + ", smtps-ports " +
              join_ports(prof.smtps_ports) + ", require-tls-ports " + join_ports(prof.require_tls_ports) +
              ", backend-verify " + (prof.backend_verify ? "enable" : "disable"));
    for (const std::string& path : prof.server_certs) {
      conn.line("  server-cert " + path);
      describe_certificates(conn, path);
    }
    std::string vips;
    for (const Vip& v : p.vips) {
      if (v.ssl_profile == prof.name) vips += (vips.empty() ? "" : " ") + v.name;
    }
    conn.line("  used by VIPs: " + (vips.empty() ? std::string("none") : vips));
  }
  if (p.ssl_profiles.empty()) conn.line("no ssl profile: STARTTLS is not offered, SMTPS is spliced");
  conn.line("system tls: workers " + std::to_string(p.tls.workers) + ", engine " +
            (p.tls.engine.empty() ? "-" : p.tls.engine) + ", provider " + (p.tls.provider.empty() ? "-" : p.tls.provider) +
            ", async " + (p.tls.async ? "enable" : "disable") + ", max-legs " + std::to_string(p.tls.max_legs));
  dataplane::LiveCounters c;
  state.links.workers->sum(c);
  conn.line("handshakes " + std::to_string(c.tls_handshakes.get()) + ", failures " +
            std::to_string(c.tls_handshake_failures.get()) + ", backend failures " +
            std::to_string(c.tls_backend_failures.get()) + ", spliced " + std::to_string(c.tls_spliced.get()) +
            ", async pauses " + std::to_string(c.tls_async_pauses.get()) + ", blocked " + std::to_string(c.tls_blocked.get()));
  conn.ok();
}

void show_log(PlaneState& state, CliConnection& conn, const Words& words) {
  bool follow = false;
  uint64_t lines = 20;
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i] == "follow") {
      follow = true;
    } else if (words[i] == "lines" && i + 1 < words.size()) {
      char* end = nullptr;
      lines = std::strtoull(words[i + 1].c_str(), &end, 10);
      if (*end != '\0' || lines == 0 || lines > 100000) return conn.error("show log: lines is 1..100000");
      ++i;
    }
  }
  const std::string& path = state.links.log_path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return conn.error("show log: cannot open " + path + " (the log goes to stdout?)");
  const off_t end = ::lseek(fd, 0, SEEK_END);
  // The last `lines` lines: read back from the end in blocks until enough newlines were seen.
  off_t from = end;
  std::string tail;
  while (from > 0) {
    const off_t block = std::min<off_t>(from, 64 * 1024);
    std::string chunk(static_cast<size_t>(block), '\0');
    if (::pread(fd, chunk.data(), chunk.size(), from - block) != block) break;
    from -= block;
    tail = chunk + tail;
    if (static_cast<uint64_t>(std::count(tail.begin(), tail.end(), '\n')) > lines) break;
  }
  ::close(fd);
  // Only whole lines, the last `lines` of them.
  tail.resize(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1);
  size_t start = tail.size();
  for (uint64_t seen = 0; start > 0 && seen < lines; ++seen) {
    const size_t nl = start >= 2 ? tail.rfind('\n', start - 2) : std::string::npos;
    start = nl == std::string::npos ? 0 : nl + 1;
  }
  conn.lines(std::string_view(tail).substr(start));
  if (!follow) return conn.ok();
  conn.streaming = Streaming::LogFollow;
  conn.log_offset = end;
  conn.streamed_lines = 0;
}

void show_alertmail(PlaneState& state, CliConnection& conn) {
  conn.lines(state.alert_mail->describe());
  if (!state.alerts_error.empty()) conn.line("problem: " + state.alerts_error);
  conn.ok();
}

}  // namespace

void run_show_command(PlaneState& state, CliConnection& conn, const Words& words) {
  const std::string& what = words.size() > 1 ? words[1] : std::string();
  if (what == "vip") return show_vip(state, conn);
  if (what == "policy") return show_policy(state, conn);
  if (what == "session") return show_session(state, conn, words);
  if (what == "stats") return show_stats(state, conn, words);
  if (what == "tls") return show_tls(state, conn);
  if (what == "log") return show_log(state, conn, words);
  if (what == "alertmail") return show_alertmail(state, conn);
  conn.error("unknown show command '" + what + "'");
}

}  // namespace sluice::control::plane
