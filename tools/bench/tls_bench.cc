// sluice-bench-tls — the in-process and load-generating parts of tools/bench/tls (issue 5).
//
// Owns three subcommands, each printing one JSON object on stdout (tools/lib/tls_bench.py reads it):
//   handshakes              server-side full handshakes per second of the server thread's CPU time: the
//                           appliance's server TlsSessions (sluice_tls, the code the daemon runs) on one
//                           thread, the clients on another, `--inflight` handshakes in flight, the client's
//                           cost excluded by reading CLOCK_THREAD_CPUTIME_ID on the server thread only.
//   bulk                    one core's decrypt -> scan -> encrypt: client-leg TlsSession decrypts records, the
//                           real MessageInspector (MIME, Hyperscan, URLs) scans the plaintext, a backend-leg
//                           TlsSession re-encrypts it; that work is timed with CLOCK_THREAD_CPUTIME_ID.
//   load                    an SMTP/STARTTLS load generator (epoll, non-blocking sockets, TlsSession client
//                           legs): EHLO, STARTTLS, handshake, EHLO, one small message, QUIT, with many
//                           sessions in flight. Python's ssl module cannot make enough sessions on 2 cores.
// May call: tls/ (sluice_tls), scan/inspector (MessageInspector, PolicySnapshot), control/ (config loading),
// tests/unit/tls/test_pki.h (certificate generation), OpenSSL, POSIX sockets/epoll, the C++ standard library.
// Benchmark code: it allocates freely outside the timed sections; inside them only what the appliance's own
// calls allocate.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/policy.h"
#include "scan/inspector/message_inspector.h"
#include "tests/unit/tls/test_pki.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"
#include "tls/tls_session.h"

using namespace sluice;
using tls::TlsState;

namespace {

// ---------------------------------------------------------------------------------------------- common

double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double process_cpu_s() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// "--name value" options after the subcommand.
class Args {
 public:
  Args(int argc, char** argv, int first) {
    for (int i = first; i + 1 < argc; i += 2) values_[argv[i]] = argv[i + 1];
  }
  std::string str(const std::string& name, const std::string& def) const {
    auto it = values_.find("--" + name);
    return it == values_.end() ? def : it->second;
  }
  double num(const std::string& name, double def) const {
    auto it = values_.find("--" + name);
    return it == values_.end() ? def : std::atof(it->second.c_str());
  }

 private:
  std::map<std::string, std::string> values_;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "sluice-bench-tls: %s\n", why.c_str());
  std::exit(1);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

// The certificate bundle for one key kind, as the appliance loads it (leaf, chain, key in one PEM file).
struct Pki {
  tls::test::TestPki pki;
  std::string rsa_file, ecdsa_file, backend_rsa_file, backend_ecdsa_file;
  Pki() {
    using tls::test::KeyKind;
    // TestPki's CA is ECDSA P-256: the backend leg's chain check is one ECDSA verify here.
    rsa_file = pki.write("rsa.pem", pki.issue(KeyKind::Rsa2048, {"mail.sluice.test"}));
    ecdsa_file = pki.write("ecdsa.pem", pki.issue(KeyKind::EcdsaP256, {"mail.sluice.test"}));
    backend_rsa_file = pki.write("mx-rsa.pem", pki.issue(KeyKind::Rsa2048, {"mx.sluice.test"}));
    backend_ecdsa_file = pki.write("mx-ecdsa.pem", pki.issue(KeyKind::EcdsaP256, {"mx.sluice.test"}));
  }
};

std::unique_ptr<tls::TlsServerContext> server_context(const std::string& file) {
  tls::TlsServerSettings s;
  s.cert_files = {file};
  std::string error;
  std::vector<std::string> warnings;
  auto ctx = tls::TlsServerContext::build(s, &error, &warnings);
  if (!ctx) die("server context: " + error);
  return ctx;
}

// max_version 0: TLS 1.3 (OpenSSL's highest); TLS1_2_VERSION to measure 1.2 handshakes.
std::unique_ptr<tls::TlsClientContext> client_context(int max_version, const std::string& ca_file,
                                                      const std::string& name) {
  tls::TlsClientSettings s;
  s.server_name = name;
  if (!ca_file.empty()) {
    s.verify = tls::BackendVerify::CaFile;
    s.ca_file = ca_file;
  }
  std::string error;
  auto ctx = tls::TlsClientContext::build(s, &error);
  if (!ctx) die("client context: " + error);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx->ctx(), max_version);
  return ctx;
}

int version_arg(const Args& a) { return a.str("tls", "1.3") == "1.2" ? TLS1_2_VERSION : 0; }

// Moves everything `from` has pending into `to` (both in this thread).
void move_all(tls::TlsSession& from, tls::TlsSession& to) {
  for (;;) {
    std::string_view out = from.pending_ciphertext();
    if (out.empty()) return;
    size_t used = to.feed_ciphertext(out);
    if (used == 0) return;
    from.ciphertext_sent(used);
  }
}

// Both sessions to Established in this thread (set-up only, not timed).
void handshake_pair(tls::TlsSession& client, tls::TlsSession& server) {
  for (int step = 0; step < 1000; ++step) {
    TlsState c = client.advance(), s = server.advance();
    move_all(client, server);
    move_all(server, client);
    if (c == TlsState::Failed || s == TlsState::Failed) die("handshake failed: " + client.failure() + server.failure());
    if (c == TlsState::Established && s == TlsState::Established && client.pending_ciphertext().empty() &&
        server.pending_ciphertext().empty())
      return;
  }
  die("handshake did not settle");
}

// ---------------------------------------------------------------------------------------- handshakes

// One wakeable thread: the other side bumps `epoch` after giving it bytes and wakes it only when it sleeps,
// so a busy thread pays no futex call per hand-off (and an idle one no CPU: its time is what is measured).
struct Waker {
  std::atomic<uint32_t> epoch{0};
  std::atomic<bool> sleeping{false};
  void poke() {
    epoch.fetch_add(1);
    if (sleeping.load()) epoch.notify_one();
  }
  void sleep_unless_changed(uint32_t seen) {
    sleeping.store(true);
    if (epoch.load() == seen) epoch.wait(seen);
    sleeping.store(false);
  }
};

// The wire between one client and one server session slot. `done` is set by the server once its session
// is Established and its last flight (tickets) is in s2c: the client then drops s2c and starts again.
struct Wire {
  std::mutex m;
  std::string c2s, s2c;
  std::atomic<bool> done{false};
};

// Appends everything pending in `s` to `out`.
void drain_to(tls::TlsSession& s, std::string& out) {
  for (;;) {
    std::string_view v = s.pending_ciphertext();
    if (v.empty()) return;
    out.append(v);
    s.ciphertext_sent(v.size());
  }
}

// Feeds all of `in` to `s`, advancing whenever its buffer is full. Returns the state after the last advance.
TlsState feed_all(tls::TlsSession& s, std::string_view in, std::string& out) {
  TlsState st = s.state();
  while (!in.empty()) {
    size_t used = s.feed_ciphertext(in);
    in.remove_prefix(used);
    st = s.advance();
    drain_to(s, out);
    if (st == TlsState::Failed) return st;
  }
  st = s.advance();
  drain_to(s, out);
  return st;
}

int cmd_handshakes(const Args& a) {
  const std::string key = a.str("key", "rsa");
  const double seconds = a.num("seconds", 5), warmup = a.num("warmup", 0.5);
  const size_t inflight = static_cast<size_t>(a.num("inflight", 64));
  Pki pki;
  auto sctx = server_context(key == "ecdsa" ? pki.ecdsa_file : pki.rsa_file);
  auto cctx = client_context(version_arg(a), "", "mail.sluice.test");

  std::vector<Wire> wires(inflight);
  Waker server_wake, client_wake;
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_m;
  auto fail = [&](const std::string& why) {
    std::lock_guard<std::mutex> g(failure_m);
    if (failure.empty()) failure = why;
    failed = true;
    stop = true;
    server_wake.poke();
    client_wake.poke();
  };

  // Results of the server thread.
  uint64_t counted = 0, total = 0;
  double cpu_s = 0, wall_s = 0;
  std::string version, cipher;

  std::thread server([&] {
    std::vector<std::unique_ptr<tls::TlsSession>> sessions(inflight);
    for (auto& s : sessions) s = std::make_unique<tls::TlsSession>(*sctx);
    std::string in, out;
    const double start = now_s();
    double t0_wall = 0, t0_cpu = 0;
    bool measuring = false;
    uint64_t at_start = 0;
    while (!stop.load()) {
      uint32_t seen = server_wake.epoch.load();
      bool worked = false;
      if (!measuring && now_s() - start >= warmup) {
        measuring = true;
        t0_wall = now_s();
        t0_cpu = thread_cpu_s();
        at_start = total;
      }
      if (measuring && now_s() - t0_wall >= seconds) break;
      for (size_t i = 0; i < inflight; ++i) {
        Wire& w = wires[i];
        in.clear();
        {
          std::lock_guard<std::mutex> g(w.m);
          in.swap(w.c2s);
        }
        if (in.empty()) continue;
        worked = true;
        out.clear();
        TlsState st = feed_all(*sessions[i], in, out);
        if (st == TlsState::Failed) {
          fail("server: " + sessions[i]->failure());
          break;
        }
        if (!out.empty()) {
          std::lock_guard<std::mutex> g(w.m);
          w.s2c.append(out);
        }
        if (st == TlsState::Established) {
          if (version.empty()) {
            version = sessions[i]->version_name();
            cipher = sessions[i]->cipher_name();
          }
          ++total;
          sessions[i] = std::make_unique<tls::TlsSession>(*sctx);  // the slot's next handshake
          w.done.store(true);
        }
        client_wake.poke();
      }
      if (!worked && !stop.load()) server_wake.sleep_unless_changed(seen);
    }
    cpu_s = thread_cpu_s() - t0_cpu;
    wall_s = now_s() - t0_wall;
    counted = total - at_start;
    stop = true;
    client_wake.poke();
  });

  std::thread client([&] {
    std::vector<std::unique_ptr<tls::TlsSession>> sessions(inflight);
    std::string in, out;
    auto start_one = [&](size_t i) {
      sessions[i] = std::make_unique<tls::TlsSession>(*cctx);
      out.clear();
      sessions[i]->advance();
      drain_to(*sessions[i], out);
      std::lock_guard<std::mutex> g(wires[i].m);
      wires[i].c2s.append(out);
    };
    for (size_t i = 0; i < inflight; ++i) start_one(i);
    server_wake.poke();
    while (!stop.load()) {
      uint32_t seen = client_wake.epoch.load();
      bool worked = false;
      for (size_t i = 0; i < inflight && !stop.load(); ++i) {
        Wire& w = wires[i];
        if (w.done.load()) {
          {
            std::lock_guard<std::mutex> g(w.m);
            w.s2c.clear();  // the finished session's tickets
            w.done.store(false);
          }
          start_one(i);
          worked = true;
          server_wake.poke();
          continue;
        }
        in.clear();
        {
          std::lock_guard<std::mutex> g(w.m);
          in.swap(w.s2c);
        }
        if (in.empty()) continue;
        worked = true;
        out.clear();
        TlsState st = feed_all(*sessions[i], in, out);
        if (st == TlsState::Failed) {
          fail("client: " + sessions[i]->failure());
          break;
        }
        if (!out.empty()) {
          std::lock_guard<std::mutex> g(w.m);
          w.c2s.append(out);
          server_wake.poke();
        }
      }
      if (!worked && !stop.load()) client_wake.sleep_unless_changed(seen);
    }
  });
  server.join();
  client.join();
  if (failed) die("handshakes: " + failure);
  std::printf("{\"key\": \"%s\", \"handshakes\": %llu, \"server_cpu_s\": %.6f, \"wall_s\": %.6f, "
              "\"per_cpu_s\": %.1f, \"per_wall_s\": %.1f, \"inflight\": %zu, \"version\": \"%s\", "
              "\"cipher\": \"%s\"}\n",
              key.c_str(), static_cast<unsigned long long>(counted), cpu_s, wall_s, counted / cpu_s,
              counted / wall_s, inflight, version.c_str(), cipher.c_str());
  return 0;
}

// ----------------------------------------------------------------------------------------------- bulk

// The plaintext stream a client sends inside TLS: the corpus messages back to back (the SMTP framing, DATA
// and dot-stuffing are the relay's work, not measured here).
struct Stream {
  std::string bytes;
  std::vector<size_t> ends;  // offset just past each message
};

Stream load_stream(const std::vector<std::string>& files, size_t min_bytes) {
  Stream s;
  std::vector<std::string> mails;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) die("cannot read " + f);
    mails.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  if (mails.empty()) die("bulk: no message files");
  while (s.bytes.size() < min_bytes) {
    for (const std::string& m : mails) {
      s.bytes += m;
      s.ends.push_back(s.bytes.size());
    }
  }
  return s;
}

int cmd_bulk(const Args& a, const std::vector<std::string>& files) {
  const std::string config = a.str("config", "");
  const bool scan = a.str("scan", "on") == "on";
  const double megabytes = a.num("mb", 256);
  const size_t batch = static_cast<size_t>(a.num("batch-mb", 8) * 1024 * 1024);
  const size_t record = static_cast<size_t>(a.num("record", 16384));
  const std::string key = a.str("key", "ecdsa");

  control::LoadResult loaded = control::load_config_file(config);
  if (!loaded.ok()) die("config " + config + ": " + (loaded.errors.empty() ? "" : loaded.errors[0].to_string()));
  std::string error;
  auto snapshot = scan::build_policy_snapshot(loaded.policy, &error);
  if (!snapshot) die(error);
  engine::Scratch scratch(*snapshot->database);
  scan::MessageInspector inspector(*snapshot, scratch);

  Stream stream = load_stream(files, batch);
  Pki pki;
  auto sctx = server_context(key == "rsa" ? pki.rsa_file : pki.ecdsa_file);
  auto backend_sctx = server_context(key == "rsa" ? pki.backend_rsa_file : pki.backend_ecdsa_file);
  auto cctx = client_context(version_arg(a), "", "mail.sluice.test");
  auto backend_cctx = client_context(version_arg(a), pki.pki.ca_file(), "mx.sluice.test");

  tls::TlsSession mta(*cctx);                 // the sending MTA (not timed)
  tls::TlsSession client_leg(*sctx);          // Sluice facing the MTA: decrypts
  tls::TlsSession backend_leg(*backend_cctx); // Sluice facing the backend: encrypts
  tls::TlsSession backend(*backend_sctx);     // the backend (only for the handshake)
  handshake_pair(mta, client_leg);
  handshake_pair(backend_leg, backend);

  const uint64_t target = static_cast<uint64_t>(megabytes * 1024 * 1024);
  uint64_t relayed = 0, ciphertext_in = 0, ciphertext_out = 0, messages = 0, hits = 0;
  size_t pos = 0, next_end = 0;  // plaintext offset in the stream, and the next message end to reach
  bool in_message = false;
  scan::MessageRecord record_buf;
  std::vector<char> plain(record + 1024);
  std::string wire;
  wire.reserve(batch + batch / 8);
  double timed = 0;

  while (relayed < target) {
    // Untimed: the MTA encrypts the next batch of the stream into full records.
    wire.clear();
    size_t batch_end = pos + batch;
    size_t p = pos;
    while (p < batch_end) {
      size_t off = p % stream.bytes.size();
      size_t n = std::min({record, batch_end - p, stream.bytes.size() - off});
      size_t taken = mta.write_plaintext(std::string_view(stream.bytes).substr(off, n));
      drain_to(mta, wire);
      if (taken == 0) die("mta: write_plaintext took nothing");
      p += taken;
    }
    ciphertext_in += wire.size();

    // Timed: what one TLS core of the appliance does with that ciphertext.
    const double t0 = thread_cpu_s();
    std::string_view in(wire);
    while (!in.empty()) {
      in.remove_prefix(client_leg.feed_ciphertext(in));
      for (;;) {
        size_t n = client_leg.read_plaintext(plain.data(), plain.size());
        if (n == 0) break;
        std::string_view piece(plain.data(), n);
        if (scan) {
          // Message boundaries of the stream: begin/finish the inspector as the relay would at DATA and the dot.
          while (!piece.empty()) {
            size_t off = pos % stream.bytes.size();
            if (!in_message) {
              next_end = *std::upper_bound(stream.ends.begin(), stream.ends.end(), off);
              record_buf = scan::MessageRecord{};
              inspector.begin(&record_buf);
              in_message = true;
            }
            size_t take = std::min(piece.size(), next_end - off);
            inspector.feed(piece.substr(0, take));
            piece.remove_prefix(take);
            pos += take;
            if (off + take == next_end) {
              smtp::MessageEnd end;
              end.complete = true;
              inspector.finish(end);
              hits += record_buf.hits.size();
              ++messages;
              in_message = false;
            }
          }
          piece = std::string_view(plain.data(), n);
        } else {
          pos += n;
        }
        while (!piece.empty()) {
          size_t took = backend_leg.write_plaintext(piece);
          piece.remove_prefix(took);
          for (;;) {  // to TCP: the appliance would hand these bytes to the backend's endpoint
            std::string_view out = backend_leg.pending_ciphertext();
            if (out.empty()) break;
            ciphertext_out += out.size();
            backend_leg.ciphertext_sent(out.size());
          }
          if (took == 0 && backend_leg.state() == TlsState::Failed) die("backend leg: " + backend_leg.failure());
        }
        relayed += n;
      }
      if (client_leg.state() == TlsState::Failed) die("client leg: " + client_leg.failure());
    }
    timed += thread_cpu_s() - t0;
  }
  std::printf("{\"scan\": %s, \"bytes\": %llu, \"ciphertext_in\": %llu, \"ciphertext_out\": %llu, "
              "\"messages\": %llu, \"hits\": %llu, \"cpu_s\": %.6f, \"bytes_per_cpu_s\": %.0f, \"record\": %zu, "
              "\"version\": \"%s\", \"cipher\": \"%s\", \"backend_cipher\": \"%s\"}\n",
              scan ? "true" : "false", static_cast<unsigned long long>(relayed),
              static_cast<unsigned long long>(ciphertext_in), static_cast<unsigned long long>(ciphertext_out),
              static_cast<unsigned long long>(messages), static_cast<unsigned long long>(hits), timed,
              relayed / timed, record, client_leg.version_name().c_str(), client_leg.cipher_name().c_str(),
              backend_leg.cipher_name().c_str());
  return 0;
}

// ----------------------------------------------------------------------------------------------- load

// One SMTP session of the load generator, from connect to the server's close after QUIT.
enum class Phase { Banner, Ehlo, StartTls, Handshake, Ehlo2, Mail, Rcpt, Data, Dot, Quit, Closing, Done };

struct LoadConfig {
  std::vector<sockaddr_in> sources;  // bound round-robin (more source ports than one address offers)
  sockaddr_in target{};
  uint64_t sessions = 1000;
  size_t concurrency = 64;
  size_t message_bytes = 1024;  // 0: no message (EHLO/STARTTLS/EHLO/QUIT only)
  bool implicit_tls = false;    // SMTPS: TLS from the first byte
  double session_timeout_s = 30;
  std::string rcpt = "sink@sluice.test";
};

struct Conn {
  int fd = -1;
  Phase phase = Phase::Banner;
  std::string in;          // plaintext received, not yet parsed
  std::string out;         // bytes for the socket not yet written (ciphertext when TLS is on)
  std::unique_ptr<tls::TlsSession> tls;
  double started = 0;
  double handshake_started = 0;
};

struct LoadStats {
  uint64_t ok = 0, failed = 0, started = 0;
  std::map<std::string, uint64_t> failures;
  std::vector<double> session_ms, handshake_ms;
  std::string version, cipher;
};

class LoadGen {
 public:
  LoadGen(const LoadConfig& cfg, const tls::TlsClientContext& ctx) : cfg_(cfg), ctx_(ctx) {
    epfd_ = epoll_create1(0);
    conns_.resize(cfg.concurrency);
    body_ = "From: bench@client.test\r\nTo: " + cfg.rcpt + "\r\nSubject: tls-bench\r\n\r\n";
    while (body_.size() < cfg.message_bytes) body_ += "The quick brown fox jumps over the lazy dog 0123456789.\r\n";
    body_ += ".\r\n";
  }
  ~LoadGen() { close(epfd_); }

  LoadStats run() {
    const double t0 = now_s();
    for (size_t i = 0; i < conns_.size() && stats_.started < cfg_.sessions; ++i) open(i);
    epoll_event events[256];
    while (active_ > 0) {
      int n = epoll_wait(epfd_, events, 256, 100);
      for (int k = 0; k < n; ++k) service(events[k].data.u32, events[k].events);
      const double now = now_s();
      if (now - last_sweep_ > 0.5) {
        last_sweep_ = now;
        for (size_t i = 0; i < conns_.size(); ++i)
          if (conns_[i].fd >= 0 && now - conns_[i].started > cfg_.session_timeout_s)
            finish(i, false, "timeout in " + phase_name(conns_[i].phase));
      }
    }
    wall_s_ = now_s() - t0;
    return stats_;
  }
  double wall_s() const { return wall_s_; }

 private:
  static std::string phase_name(Phase p) {
    static const char* names[] = {"banner", "ehlo", "starttls", "handshake", "ehlo2", "mail",
                                  "rcpt",   "data", "dot",      "quit",      "closing", "done"};
    return names[static_cast<int>(p)];
  }

  void open(size_t i) {
    Conn& c = conns_[i];
    c = Conn{};
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c.fd < 0) die(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!cfg_.sources.empty()) {
      const sockaddr_in& src = cfg_.sources[stats_.started % cfg_.sources.size()];
      setsockopt(c.fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      if (bind(c.fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0)
        die(std::string("bind: ") + std::strerror(errno));
    }
    ++stats_.started;
    ++active_;
    c.started = now_s();
    int r = connect(c.fd, reinterpret_cast<const sockaddr*>(&cfg_.target), sizeof cfg_.target);
    if (r != 0 && errno != EINPROGRESS) {
      finish(i, false, std::string("connect: ") + std::strerror(errno));
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
    if (cfg_.implicit_tls) start_tls(c);
  }

  void finish(size_t i, bool ok, const std::string& why) {
    Conn& c = conns_[i];
    if (c.fd < 0) return;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    c.tls.reset();
    --active_;
    if (ok) {
      ++stats_.ok;
      stats_.session_ms.push_back((now_s() - c.started) * 1e3);
    } else {
      ++stats_.failed;
      ++stats_.failures[why];
    }
    if (stats_.started < cfg_.sessions) open(i);
  }

  void start_tls(Conn& c) {
    c.tls = std::make_unique<tls::TlsSession>(ctx_);
    c.phase = Phase::Handshake;
    c.handshake_started = now_s();
    c.tls->advance();
    pull_ciphertext(c);
  }

  void pull_ciphertext(Conn& c) {
    if (c.tls) drain_to(*c.tls, c.out);
  }

  void send(Conn& c, std::string_view line) {
    if (!c.tls) {
      c.out.append(line);
      return;
    }
    while (!line.empty()) {
      size_t took = c.tls->write_plaintext(line);
      line.remove_prefix(took);
      pull_ciphertext(c);
      if (took == 0 && c.tls->state() == TlsState::Failed) return;
    }
  }

  // Writes what is queued; false on a socket error.
  bool flush(Conn& c) {
    while (!c.out.empty()) {
      ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      c.out.erase(0, static_cast<size_t>(n));
    }
    return true;
  }

  // One complete SMTP reply at the front of c.in: its code, and it is removed. 0 when incomplete.
  static int take_reply(Conn& c, std::string* text) {
    size_t start = 0;
    for (;;) {
      size_t eol = c.in.find("\r\n", start);
      if (eol == std::string::npos) return 0;
      if (eol - start >= 3 && (eol - start == 3 || c.in[start + 3] == ' ')) {
        int code = std::atoi(c.in.substr(start, 3).c_str());
        if (text) *text = c.in.substr(0, eol);
        c.in.erase(0, eol + 2);
        return code;
      }
      start = eol + 2;
    }
  }

  void service(size_t i, uint32_t events) {
    Conn& c = conns_[i];
    if (c.fd < 0) return;
    // Bytes first, errors after: a reply and the reset that follows it can arrive together.
    int sock_error = 0;
    if (events & EPOLLERR) {
      socklen_t len = sizeof sock_error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &sock_error, &len);
    }
    bool eof = false;
    char buf[16384];
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.tls) {
          std::string_view v(buf, static_cast<size_t>(n));
          while (!v.empty()) {
            size_t used = c.tls->feed_ciphertext(v);
            v.remove_prefix(used);
            drive_tls(c);
            if (c.tls->state() == TlsState::Failed) break;
          }
        } else {
          c.in.append(buf, static_cast<size_t>(n));
        }
        continue;
      }
      if (n == 0) eof = true;
      else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        eof = true;
        if (sock_error == 0) sock_error = errno;
      }
      break;
    }
    if (c.tls) {
      drive_tls(c);
      if (c.tls->state() == TlsState::Failed) {
        finish(i, false, "tls: " + c.tls->failure().substr(0, 120));
        return;
      }
      if (c.phase == Phase::Handshake && c.tls->state() == TlsState::Established) {
        stats_.handshake_ms.push_back((now_s() - c.handshake_started) * 1e3);
        if (stats_.version.empty()) {
          stats_.version = c.tls->version_name();
          stats_.cipher = c.tls->cipher_name();
        }
        if (cfg_.implicit_tls) {
          c.phase = Phase::Banner;
        } else {
          c.phase = Phase::Ehlo2;
          send(c, "EHLO client.test\r\n");
        }
      }
    }
    std::string text;
    while (int code = take_reply(c, &text)) {
      if (!step(c, code, text)) {
        finish(i, false, phase_name(c.phase) + ": " + text.substr(0, 80));
        return;
      }
    }
    // After the 221 the session is complete whether the server ends it with a FIN or a reset.
    if (c.phase == Phase::Closing && (eof || sock_error != 0)) {
      finish(i, true, "");
      return;
    }
    if (sock_error != 0) {
      finish(i, false, std::string("socket: ") + std::strerror(sock_error) + " in " + phase_name(c.phase));
      return;
    }
    if (!flush(c)) {
      if (c.phase == Phase::Closing) finish(i, true, "");
      else finish(i, false, std::string("send: ") + std::strerror(errno) + " in " + phase_name(c.phase));
      return;
    }
    if (eof) finish(i, false, "closed by server in " + phase_name(c.phase));
  }

  // Advances the handshake and moves decrypted bytes to c.in.
  void drive_tls(Conn& c) {
    c.tls->advance();
    char plain[16384];
    for (;;) {
      size_t n = c.tls->read_plaintext(plain, sizeof plain);
      if (n == 0) break;
      c.in.append(plain, n);
    }
    pull_ciphertext(c);
  }

  // One reply in the current phase: sends the next command. false: an unexpected reply.
  bool step(Conn& c, int code, const std::string& text) {
    switch (c.phase) {
      case Phase::Banner:
        if (code != 220) return false;
        c.phase = cfg_.implicit_tls ? Phase::Ehlo2 : Phase::Ehlo;
        send(c, "EHLO client.test\r\n");
        return true;
      case Phase::Ehlo:
        if (code != 250) return false;
        c.phase = Phase::StartTls;
        send(c, "STARTTLS\r\n");
        return true;
      case Phase::StartTls:
        if (code != 220) return false;
        start_tls(c);
        return true;
      case Phase::Ehlo2:
        if (code != 250) return false;
        if (cfg_.message_bytes == 0) {
          c.phase = Phase::Quit;
          send(c, "QUIT\r\n");
        } else {
          c.phase = Phase::Mail;
          send(c, "MAIL FROM:<bench@client.test>\r\n");
        }
        return true;
      case Phase::Mail:
        if (code != 250) return false;
        c.phase = Phase::Rcpt;
        send(c, "RCPT TO:<" + cfg_.rcpt + ">\r\n");
        return true;
      case Phase::Rcpt:
        if (code != 250) return false;
        c.phase = Phase::Data;
        send(c, "DATA\r\n");
        return true;
      case Phase::Data:
        if (code != 354) return false;
        c.phase = Phase::Dot;
        send(c, body_);
        return true;
      case Phase::Dot:
        if (code != 250) return false;
        c.phase = Phase::Quit;
        send(c, "QUIT\r\n");
        return true;
      case Phase::Quit:
        if (code != 221) return false;
        // Wait for the server's FIN: the server closes first, so TIME_WAIT is not on the generator's ports.
        // No close_notify: servers close right after the 221 and would answer late bytes with a reset.
        c.phase = Phase::Closing;
        return true;
      default:
        (void)text;
        return false;
    }
  }

  const LoadConfig& cfg_;
  const tls::TlsClientContext& ctx_;
  int epfd_ = -1;
  std::vector<Conn> conns_;
  size_t active_ = 0;
  LoadStats stats_;
  std::string body_;
  double last_sweep_ = 0, wall_s_ = 0;
};

sockaddr_in parse_addr(const std::string& s, uint16_t default_port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  std::string host = s;
  uint16_t port = default_port;
  if (size_t colon = s.rfind(':'); colon != std::string::npos) {
    host = s.substr(0, colon);
    port = static_cast<uint16_t>(std::atoi(s.substr(colon + 1).c_str()));
  }
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) die("bad IPv4 address " + s);
  a.sin_port = htons(port);
  return a;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(std::max(0.0, std::ceil(v.size() * p / 100.0) - 1));
  return v[std::min(k, v.size() - 1)];
}

int cmd_load(const Args& a) {
  LoadConfig cfg;
  cfg.target = parse_addr(a.str("connect", "198.51.100.10:25"), 25);
  std::string bind_list = a.str("bind", "");
  for (size_t start = 0; start < bind_list.size();) {
    size_t comma = bind_list.find(',', start);
    if (comma == std::string::npos) comma = bind_list.size();
    cfg.sources.push_back(parse_addr(bind_list.substr(start, comma - start) + ":0", 0));
    start = comma + 1;
  }
  cfg.sessions = static_cast<uint64_t>(a.num("sessions", 1000));
  cfg.concurrency = static_cast<size_t>(a.num("concurrency", 64));
  cfg.message_bytes = static_cast<size_t>(a.num("message-bytes", 1024));
  cfg.implicit_tls = a.str("implicit", "no") == "yes";
  cfg.session_timeout_s = a.num("session-timeout", 30);
  cfg.rcpt = a.str("rcpt", cfg.rcpt);
  rlimit nofile{65536, 65536};
  setrlimit(RLIMIT_NOFILE, &nofile);
  // The generator verifies nothing: its own cost is not what is measured, and the peers' certificates differ.
  auto ctx = client_context(version_arg(a), "", a.str("sni", "mail.sluice.test"));
  // Which of the server's certificates it gets: a server with RSA and ECDSA side by side picks by the
  // client's signature algorithms ("rsa_pss_rsae_sha256:rsa_pkcs1_sha256" or "ecdsa_secp256r1_sha256").
  if (std::string sigalgs = a.str("sigalgs", ""); !sigalgs.empty()) {
    if (SSL_CTX_set1_sigalgs_list(ctx->ctx(), sigalgs.c_str()) != 1) die("bad --sigalgs " + sigalgs);
  }
  const double cpu0 = process_cpu_s();
  LoadGen gen(cfg, *ctx);
  LoadStats st = gen.run();
  const double cpu = process_cpu_s() - cpu0;
  std::string failures;
  for (const auto& [why, n] : st.failures)
    failures += (failures.empty() ? "" : ", ") + std::string("\"") + json_escape(why) + "\": " + std::to_string(n);
  std::printf("{\"sessions\": %llu, \"ok\": %llu, \"failed\": %llu, \"wall_s\": %.6f, \"per_wall_s\": %.1f, "
              "\"generator_cpu_s\": %.3f, \"concurrency\": %zu, \"message_bytes\": %zu, \"session_ms_median\": %.2f, "
              "\"session_ms_p99\": %.2f, \"handshake_ms_median\": %.2f, \"version\": \"%s\", \"cipher\": \"%s\", "
              "\"failures\": {%s}}\n",
              static_cast<unsigned long long>(st.started), static_cast<unsigned long long>(st.ok),
              static_cast<unsigned long long>(st.failed), gen.wall_s(), st.ok / gen.wall_s(), cpu, cfg.concurrency,
              cfg.message_bytes, pct(st.session_ms, 50), pct(st.session_ms, 99), pct(st.handshake_ms, 50),
              st.version.c_str(), st.cipher.c_str(), failures.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: sluice-bench-tls handshakes [--key rsa|ecdsa] [--seconds S] [--inflight N] [--tls 1.2|1.3]\n"
               "       sluice-bench-tls bulk --config CONF [--scan on|off] [--mb M] [--key rsa|ecdsa] FILE.eml...\n"
               "       sluice-bench-tls load --connect IP:PORT [--bind IP,IP] [--sessions N] [--concurrency C]\n"
               "                             [--message-bytes B] [--implicit yes] [--tls 1.2|1.3] [--sigalgs LIST]\n",
               stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "handshakes") return cmd_handshakes(Args(argc, argv, 2));
  if (cmd == "load") return cmd_load(Args(argc, argv, 2));
  if (cmd == "bulk") {
    // Options are "--name value" pairs; the rest are message files.
    std::vector<char*> opts = {argv[0], argv[1]};
    std::vector<std::string> files;
    for (int i = 2; i < argc; ++i) {
      if (std::strncmp(argv[i], "--", 2) == 0 && i + 1 < argc) {
        opts.push_back(argv[i]);
        opts.push_back(argv[++i]);
      } else {
        files.emplace_back(argv[i]);
      }
    }
    return cmd_bulk(Args(static_cast<int>(opts.size()), opts.data(), 2), files);
  }
  std::fprintf(stderr, "sluice-bench-tls: unknown subcommand %s\n", cmd.c_str());
  return 2;
}
