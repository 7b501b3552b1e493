// dataplane/live_mode.cc — see live_mode.h.
#include "dataplane/live_mode.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "control/telemetry/syslog_sender.h"
#include "dataplane/live_telemetry.h"
#include "dataplane/live_topology.h"
#include "dataplane/live_worker.h"
#include "dataplane/port_steering.h"
#include "dataplane/session_tls.h"
#include "tls/crypto_offload.h"
#include "tls/inline_tls_leg.h"
#include "tls/tls_worker_pool.h"
#include "tls/tls_settings_from_policy.h"

namespace sluice::dataplane {

namespace {

std::atomic<bool> g_signalled{false};
std::atomic<bool>* g_halt = nullptr;
WorkerControl* g_control = nullptr;   // worker 0's slot holds the log-reopen request (one log for all)

void on_stop_signal(int) {
  g_signalled.store(true, std::memory_order_relaxed);
  if (g_halt != nullptr) g_halt->store(true, std::memory_order_relaxed);
}

void on_hangup(int) {
  if (g_control != nullptr) g_control->reopen_log.fetch_add(1, std::memory_order_relaxed);
}

// The message log every worker writes to. Records are flushed one by one so `tail -f` and the tests see each
// message when it ends; the same record goes to syslog when `config log syslogd` is on (a non-blocking send).
// With several workers the writer is shared, so a record is written under a mutex: once per message, never per
// packet, and only workers ending a message at the same moment ever wait. A ring per worker to a log thread
// (ARCHITECTURE: no file I/O on worker cores) is the next step.
class SharedRecordLog {
 public:
  SharedRecordLog(log::RecordWriter& writer, WorkerControl* reopen_requests)
      : writer_(writer), reopen_requests_(reopen_requests) {}
  // True when the record reached the log file.
  bool message(const scan::MessageRecord& record) {
    std::lock_guard<std::mutex> hold(mutex_);
    rotate_if_asked();
    writer_.on_message_record(record);
    writer_.flush();
    if (syslog != nullptr) {   // the line the writer just formatted, not a second formatting of the record
      const bool refused = record.verdict.action != control::Action::Pass;
      syslog->send(refused ? 5 : 6, "smtp_message", "", writer_.last_json());   // notice / informational
      syslog->pump();
    }
    return writer_.last_written();
  }
  void tls_failure(const scan::TlsFailureRecord& record) {
    std::lock_guard<std::mutex> hold(mutex_);
    rotate_if_asked();
    writer_.on_tls_failure(record);
    writer_.flush();
    if (syslog != nullptr) {
      syslog->send(4, "tls_failure", "", writer_.last_json());   // warning
      syslog->pump();
    }
  }
  control::telemetry::SyslogSender* syslog = nullptr;

 private:
  // SIGHUP or `execute log rotate`: the file was moved away; the next record starts the new one.
  void rotate_if_asked() {
    if (reopen_requests_ == nullptr) return;
    const uint32_t asked = reopen_requests_->reopen_log.load(std::memory_order_relaxed);
    if (asked == reopen_seen_) return;
    reopen_seen_ = asked;
    std::string error;
    if (!writer_.reopen(&error)) std::fprintf(stderr, "sluice: log rotation: %s\n", error.c_str());
  }

  std::mutex mutex_;
  log::RecordWriter& writer_;
  WorkerControl* reopen_requests_;
  uint32_t reopen_seen_ = 0;
};

// One worker's sink: counts into its own counters, writes to the shared log.
class LiveRecordSink final : public scan::RecordSink {
 public:
  explicit LiveRecordSink(SharedRecordLog& log) : log_(log) {}
  void on_message_record(const scan::MessageRecord& record) override {
    Counter* tally = log_.message(record) ? logged : log_failed;
    if (tally != nullptr) tally->add();
  }
  void on_tls_failure(const scan::TlsFailureRecord& record) override { log_.tls_failure(record); }
  Counter* logged = nullptr;       // the worker's messages_logged
  Counter* log_failed = nullptr;   // the worker's messages_log_failed

 private:
  SharedRecordLog& log_;
};

// config log syslogd: the sender the record sink uses (nullptr when off or when the collector is unusable).
std::unique_ptr<control::telemetry::SyslogSender> open_syslog(const control::SyslogSettings& s) {
  if (!s.enabled) return nullptr;
  control::telemetry::SyslogTarget target;
  target.server = s.server;
  target.port = s.port;
  target.transport = s.transport == control::SyslogTransport::Tcp ? control::telemetry::SyslogTransport::Tcp
                                                                   : control::telemetry::SyslogTransport::Udp;
  control::telemetry::facility_from_word(s.facility, &target.facility);
  auto sender = std::make_unique<control::telemetry::SyslogSender>();
  std::string error;
  if (!sender->open(target, &error)) {
    std::fprintf(stderr, "sluice: config log syslogd: %s (records go to the log file only)\n", error.c_str());
    return nullptr;
  }
  return sender;
}

// One TLS lcore of the pool (config system tls workers N): runs until the dataplane has released every leg.
struct TlsLcore {
  tls::TlsWorkerPool* pool = nullptr;
  uint32_t index = 0;
  const std::atomic<bool>* stop = nullptr;
};

int run_tls_lcore(void* arg) {
  const auto* lcore = static_cast<const TlsLcore*>(arg);
  lcore->pool->run_worker(lcore->index, *lcore->stop);
  return 0;
}

// Where the worker's TLS legs run: on its own core (workers 0), or on N TLS lcores launched here.
class TlsRuntime {
 public:
  ~TlsRuntime() { stop(); }
  // `dataplane` workers use the first lcores (the main one and dataplane - 1 EAL workers); the TLS ones follow.
  bool start(const control::TlsSystemSettings& settings, uint32_t dataplane, std::string* error) {
    dataplane_ = dataplane;
    if (settings.workers == 0) {
      for (uint32_t i = 0; i < dataplane; ++i) inline_.push_back(std::make_unique<tls::InlineTlsLegSource>(settings.max_legs));
      return true;
    }
    if (rte_lcore_count() < settings.workers + dataplane) {
      *error = "config system tls: workers " + std::to_string(settings.workers) + " needs " +
               std::to_string(settings.workers + dataplane) + " lcores (" + std::to_string(dataplane) +
               " dataplane and the TLS ones); the EAL has " + std::to_string(rte_lcore_count()) +
               " (give more with -l / --lcores)";
      return false;
    }
    tls::TlsWorkerPoolSettings pool_settings;
    pool_settings.tls_workers = settings.workers;
    pool_settings.dataplane_workers = dataplane;
    pool_settings.max_legs = settings.max_legs;
    pool_ = tls::TlsWorkerPool::create(pool_settings, error);
    if (!pool_) return false;
    lcores_.resize(settings.workers);
    uint32_t i = 0, skipped = 0;
    unsigned lcore_id;
    RTE_LCORE_FOREACH_WORKER(lcore_id) {
      if (skipped + 1 < dataplane) {   // the dataplane workers' lcores
        ++skipped;
        continue;
      }
      if (i == settings.workers) break;
      lcores_[i] = TlsLcore{pool_.get(), i, &stop_};
      if (rte_eal_remote_launch(run_tls_lcore, &lcores_[i], lcore_id) != 0) {
        *error = "config system tls: cannot launch TLS worker " + std::to_string(i) + " on lcore " + std::to_string(lcore_id);
        stop();
        return false;
      }
      launched_.push_back(lcore_id);
      ++i;
    }
    return true;
  }
  // After the dataplane worker stopped (every leg released): the TLS lcores finish parked jobs and return.
  void stop() {
    stop_.store(true, std::memory_order_relaxed);
    for (unsigned lcore_id : launched_) rte_eal_wait_lcore(lcore_id);
    launched_.clear();
  }
  // Dataplane worker i's legs (its thread only).
  tls::TlsLegSource* legs(uint32_t i) const {
    return pool_ ? static_cast<tls::TlsLegSource*>(&pool_->source(i)) : inline_[i].get();
  }
  const char* where() const { return pool_ ? "TLS lcores" : "each worker's own core"; }

 private:
  std::vector<std::unique_ptr<tls::InlineTlsLegSource>> inline_;
  uint32_t dataplane_ = 1;
  std::unique_ptr<tls::TlsWorkerPool> pool_;
  std::vector<TlsLcore> lcores_;
  std::vector<unsigned> launched_;
  std::atomic<bool> stop_{false};
};

// Frames in flight from one worker to another (per ordered pair): bursts of 32 from every rx queue, so a few
// hundred bursts of slack before a hand-over is dropped and counted.
constexpr uint32_t kRedirectRingSize = 8192;

bool port_exists(const PortSet& ports, uint16_t port_id) {
  for (const PortInfo& p : ports.ports) {
    if (p.port_id == port_id) return true;
  }
  return false;
}

void describe(std::FILE* out, const LiveTopology& t) {
  char a[48], b[48];
  for (const LinkConfig* link : {&t.outside, &t.inside}) {
    std::fprintf(out, "sluice: %s = port %u, mac %02x:%02x:%02x:%02x:%02x:%02x, ip %s, ip6 %s, mtu %u\n",
                 link->name.c_str(), link->port_id, link->mac[0], link->mac[1], link->mac[2], link->mac[3],
                 link->mac[4], link->mac[5], link->ip4 ? std::string(link->ip4->format(a)).c_str() : "-",
                 link->ip6 ? std::string(link->ip6->format(b)).c_str() : "-", link->mtu);
  }
  for (const VipPort& v : t.vip_ports) {
    std::fprintf(out, "sluice: vip %s %s:%u -> %s:%u %s\n", v.vip_name.c_str(), std::string(v.extip.format(a)).c_str(),
                 v.port, std::string(v.mappedip.format(b)).c_str(), v.mapped_port,
                 v.inspected ? "proxied+inspected" : "dnat pass-through");
  }
}

}  // namespace

void install_live_signals(LiveRuntime& runtime) {
  g_halt = runtime.halt;
  g_control = &runtime.workers->control(0);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGHUP, on_hangup);
}

bool live_stop_requested() { return g_signalled.load(std::memory_order_relaxed); }

int run_live(LiveRuntime& runtime) {
  // The policy current now: a commit that changes VIPs or TLS takes effect here, at a (re)start.
  const scan::PolicySnapshot& snapshot = *runtime.registry->current();
  PortSet& ports = *runtime.ports;
  const uint32_t idle_sleep_us = runtime.idle_sleep_us;
  LiveTopology topology;
  std::string error;
  if (!build_live_topology(snapshot.policy, &topology, &error)) {
    std::fprintf(stderr, "sluice: live mode cannot start:\n%s\n", error.c_str());
    return 1;
  }
  for (LinkConfig* link : {&topology.outside, &topology.inside}) {
    if (!port_exists(ports, link->port_id)) {
      std::fprintf(stderr, "sluice: interface \"%s\" names port %u, but the EAL arguments created %zu port(s)\n",
                   link->name.c_str(), link->port_id, ports.ports.size());
      return 1;
    }
    rte_ether_addr mac;
    rte_eth_macaddr_get(link->port_id, &mac);
    for (int i = 0; i < 6; ++i) link->mac[i] = mac.addr_bytes[i];
  }
  // TLS: the offload first (keys are handed to it as the contexts load them), then every profile's contexts.
  std::unique_ptr<tls::CryptoOffload> offload = tls::CryptoOffload::load(tls::offload_settings_for(snapshot.policy.tls), &error);
  if (!offload) {
    std::fprintf(stderr, "sluice: config system tls: %s\n", error.c_str());
    return 1;
  }
  if (offload->kind() != tls::OffloadKind::none) std::fprintf(stderr, "sluice: crypto offload: %s\n", offload->description().c_str());
  TlsPlan tls_plan;
  std::vector<std::string> warnings;
  {
    const tls::CryptoOffload* o = offload.get();
    auto offload_key = [o](EVP_PKEY* key, std::string* why) { return o->offload_private_key(key, why); };
    TlsPlanHooks hooks;
    if (offload->kind() != tls::OffloadKind::none) hooks.offload_key = offload_key;
    if (!tls_plan.build(snapshot.policy, &topology, &error, &warnings, hooks)) {
      std::fprintf(stderr, "sluice: live mode cannot start:\n%s\n", error.c_str());
      return 1;
    }
  }
  for (const std::string& w : warnings) std::fprintf(stderr, "sluice: warning: %s\n", w.c_str());
  describe(stderr, topology);

  // N workers: one rx/tx queue pair each (ports.cc made them), steered by the client's port.
  WorkerSet& workers = *runtime.workers;
  const uint32_t n = workers.count();
  if (snapshot.policy.session.workers != n) {
    std::fprintf(stderr, "sluice: note: config system session workers %u takes effect when the daemon starts; "
                 "running %u\n", snapshot.policy.session.workers, n);
  }
  if (rte_lcore_count() < n) {
    std::fprintf(stderr, "sluice: %u workers need %u lcores; the EAL has %u (give more with -l / --lcores)\n", n, n,
                 rte_lcore_count());
    return 1;
  }
  FlowSteering steering(n);
  RedirectMesh mesh;
  if (!mesh.init("sluice_mesh", n, kRedirectRingSize, static_cast<int>(rte_socket_id()), &error)) {
    std::fprintf(stderr, "sluice: %s\n", error.c_str());
    return 1;
  }
  uint16_t rx_queues[2] = {1, 1};
  for (const Side side : {Side::Outside, Side::Inside}) {
    const LinkConfig& link = side == Side::Outside ? topology.outside : topology.inside;
    for (const PortInfo& p : ports.ports) {
      if (p.port_id == link.port_id) rx_queues[static_cast<int>(side)] = p.rx_queues;
    }
    std::string detail;
    const SteeringMode mode = install_port_steering(link.port_id, side, steering, rx_queues[static_cast<int>(side)],
                                                    SteeringRequest{}, &detail);
    std::fprintf(stderr, "sluice: %s steering: %s (%s)\n", link.name.c_str(), steering_mode_name(mode), detail.c_str());
  }

  std::unique_ptr<control::telemetry::SyslogSender> syslog = open_syslog(snapshot.policy.syslog);
  SharedRecordLog record_log(*runtime.records, &workers.control(0));
  record_log.syslog = syslog.get();
  struct WorkerParts {   // what one worker has to itself
    std::unique_ptr<engine::Scratch> scratch;
    uint64_t clock_ns = 0;
    std::unique_ptr<LiveRecordSink> sink;
    std::unique_ptr<LiveWorker> worker;
    const std::atomic<bool>* halt = nullptr;
  };
  std::vector<WorkerParts> parts(n);
  LiveWorkerSettings base = live_worker_settings(snapshot.policy);
  base.idle_sleep_us = idle_sleep_us;
  // A client's connections spread over the workers by source port: each holds its share of the limit.
  if (base.max_client_sessions != 0) base.max_client_sessions = (base.max_client_sessions + n - 1) / n;
  for (uint32_t i = 0; i < n; ++i) {
    WorkerParts& w = parts[i];
    w.scratch = std::make_unique<engine::Scratch>(*snapshot.database);
    w.sink = std::make_unique<LiveRecordSink>(record_log);
    w.halt = runtime.halt;
    const scan::InspectorContext inspector{&snapshot, w.scratch.get(), w.sink.get(), &w.clock_ns};
    LiveWorkerSettings settings = base;
    settings.counters = &workers.counters(i);
    if (n > 1) {
      settings.placement.index = i;
      settings.placement.queue = static_cast<uint16_t>(i);
      settings.placement.steering = &steering;
      settings.placement.mesh = &mesh;
      settings.placement.outside_rx_queues = rx_queues[0];
      settings.placement.inside_rx_queues = rx_queues[1];
    }
    rte_mempool* pool = i < ports.pools.size() ? ports.pools[i] : ports.pool;
    w.worker = std::make_unique<LiveWorker>(settings, topology, pool, inspector, &w.clock_ns);
    if (!w.worker->init("sluice_conns_" + std::to_string(i), static_cast<int>(rte_socket_id()), &error)) {
      std::fprintf(stderr, "sluice: %s\n", error.c_str());
      return 1;
    }
    w.sink->logged = &w.worker->messages_logged();
    w.sink->log_failed = &w.worker->messages_log_failed();
  }
  TlsRuntime tls_runtime;
  if (tls_plan.any()) {
    if (!tls_runtime.start(snapshot.policy.tls, n, &error)) {
      std::fprintf(stderr, "sluice: %s\n", error.c_str());
      return 1;
    }
    for (uint32_t i = 0; i < n; ++i) parts[i].worker->set_tls_legs(tls_runtime.legs(i));
    std::fprintf(stderr, "sluice: TLS on %s (%u TLS worker%s), crypto %s\n", tls_runtime.where(),
                 snapshot.policy.tls.workers, snapshot.policy.tls.workers == 1 ? "" : "s",
                 offload->kind() == tls::OffloadKind::none ? "in software" : offload->description().c_str());
  }
  for (uint32_t i = 0; i < n; ++i) parts[i].worker->attach_control(runtime.registry, &workers.control(i));
  std::fprintf(stderr, "sluice: live, %u worker lcore%s, %s; SIGINT/SIGTERM stops\n", n, n == 1 ? "" : "s",
               idle_sleep_us == 0 ? "pure poll mode" : ("idle sleep " + std::to_string(idle_sleep_us) + " us").c_str());
  std::fflush(stderr);
  runtime.running->store(true, std::memory_order_release);
  // Workers 1..N-1 on the first EAL worker lcores (the TLS lcores come after them), worker 0 here.
  std::vector<unsigned> launched;
  unsigned lcore_id;
  uint32_t next = 1;
  RTE_LCORE_FOREACH_WORKER(lcore_id) {
    if (next == n) break;
    auto run_worker = [](void* arg) {
      auto* w = static_cast<WorkerParts*>(arg);
      w->worker->run(*w->halt);
      return 0;
    };
    if (rte_eal_remote_launch(run_worker, &parts[next], lcore_id) != 0) {
      std::fprintf(stderr, "sluice: cannot launch worker %u on lcore %u\n", next, lcore_id);
      runtime.halt->store(true);
      break;
    }
    launched.push_back(lcore_id);
    ++next;
  }
  parts[0].worker->run(*runtime.halt);
  for (unsigned id : launched) rte_eal_wait_lcore(id);
  runtime.running->store(false, std::memory_order_release);
  for (uint32_t i = 0; i < n; ++i) runtime.registry->worker_stopped(workers.control(i).registry_slot);
  tls_runtime.stop();
  for (const Side side : {Side::Outside, Side::Inside}) {
    remove_port_steering(side == Side::Outside ? topology.outside.port_id : topology.inside.port_id);
  }
  runtime.records->flush();
  return 0;
}

}  // namespace sluice::dataplane
