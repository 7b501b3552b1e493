// sluice — the appliance daemon.
//   --mode offline: every DPDK port the EAL arguments create (net_pcap for capture files) is read to its end;
//                   every SMTP message found is inspected and logged (one JSON line each), with a verdict.
//   --mode live:    the inline appliance between the outside and inside ports (live_mode.h), run by the
//                   control plane (control_plane.h): sluicectl, commits, restarts of the workers.
#include <rte_eal.h>
#include <rte_lcore.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "control/config/writer.h"
#include "control/plane/control_plane.h"

#include "control/policy.h"
#include "control/log/record_writer.h"
#include "dataplane/app_options.h"
#include "dataplane/eal_memory.h"
#include "dataplane/live_mode.h"
#include "dataplane/offline_worker.h"
#include "dataplane/stats_report.h"
#include "dataplane/live_telemetry.h"
#include "scan/inspector/policy_snapshot.h"
#include "scan/inspector/snapshot_registry.h"

namespace {

using namespace sluice;

int die(const std::string& message) {
  std::fprintf(stderr, "sluice: %s\n", message.c_str());
  return 1;
}

bool load_policy(const dataplane::AppOptions& options, control::Policy* policy) {
  if (options.config_path.empty()) return true;
  control::LoadResult result = control::load_config_file(options.config_path);
  for (const control::ConfigError& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!result.ok()) return false;
  *policy = std::move(result.policy);
  return true;
}

// Dataplane workers: `--workers N`, else `config system session workers`.
uint32_t live_workers(const dataplane::AppOptions& options, const control::Policy& policy) {
  return options.workers != 0 ? options.workers : policy.session.workers;
}

// Live mode: the start-up configuration becomes a committed version, the control plane serves sluicectl, and the
// workers run until a signal; `execute restart workers` makes run_live return and start again from the running
// policy, with the control plane, counters, log and ports kept.
int run_live_with_control(const dataplane::AppOptions& options, std::unique_ptr<scan::PolicySnapshot> snapshot,
                          log::RecordWriter& records, const std::string& log_path, dataplane::PortSet& ports) {
  std::string warning, error;
  std::unique_ptr<control::edit::CommitHistory> history = control::plane::open_history(snapshot->policy.control, &warning);
  if (!warning.empty()) std::fprintf(stderr, "sluice: warning: %s\n", warning.c_str());
  snapshot->version = (history ? history->latest() : 0) + 1;
  if (history) {
    control::edit::CommitInfo info;
    info.version = snapshot->version;
    info.unix_time = static_cast<int64_t>(std::time(nullptr));
    info.user = "start-up";
    info.comment = options.config_path.empty() ? "built-in defaults" : "start-up: " + options.config_path;
    if (!history->record(info, control::config::write_config(snapshot->policy), &error)) {
      std::fprintf(stderr, "sluice: warning: history: %s\n", error.c_str());
    }
  }
  scan::SnapshotRegistry registry(std::move(snapshot));
  dataplane::WorkerSet workers(live_workers(options, registry.latest().policy));
  std::atomic<bool> halt{false}, restart{false}, running{false};
  for (uint32_t i = 0; i < workers.count(); ++i) dataplane::register_live_telemetry(&workers.counters(i));

  control::plane::DaemonLinks links;
  links.registry = &registry;
  links.workers = &workers;
  links.config_path = options.config_path;
  links.base_dir = options.config_path.empty()
                       ? std::filesystem::current_path().string()
                       : std::filesystem::absolute(options.config_path).parent_path().string();
  links.log_path = log_path;
  links.restart_workers = &restart;
  links.halt_workers = &halt;
  links.workers_running = &running;
  links.started_unix = static_cast<int64_t>(std::time(nullptr));
  control::plane::ControlPlane plane(std::move(links), std::move(history));
  if (!plane.start(&error)) return die(error);
  std::fprintf(stderr, "sluice: control socket %s, policy version %llu\n", registry.latest().policy.control.socket.c_str(),
               static_cast<unsigned long long>(registry.latest().version));

  dataplane::LiveRuntime runtime;
  runtime.registry = &registry;
  runtime.workers = &workers;
  runtime.records = &records;
  runtime.ports = &ports;
  runtime.idle_sleep_us = options.idle_sleep_us;
  runtime.halt = &halt;
  runtime.running = &running;
  dataplane::install_live_signals(runtime);
  int rc = 0;
  for (;;) {
    rc = dataplane::run_live(runtime);
    if (rc != 0 || dataplane::live_stop_requested() || !restart.load(std::memory_order_acquire)) break;
    std::fprintf(stderr, "sluice: restarting the workers on policy version %llu\n",
                 static_cast<unsigned long long>(registry.current()->version));
    plane.critical("workers restarted", "The dataplane workers were restarted (execute restart workers) on policy "
                                        "version " + std::to_string(registry.current()->version) + ".\n");
    halt.store(false, std::memory_order_release);
    restart.store(false, std::memory_order_release);
  }
  plane.stop();
  std::fprintf(stderr, "sluice: stopped; counters:\n");
  dataplane::LiveCounters total;
  workers.sum(total);
  dataplane::print_live_counters(stderr, total);
  return rc;
}

int run(const dataplane::AppOptions& options) {
  control::Policy policy;
  if (!load_policy(options, &policy)) return die("configuration has errors; nothing started");
  std::string error;
  auto snapshot = scan::build_policy_snapshot(policy, &error);
  if (!snapshot) return die(error);

  log::RecordWriter records;
  const std::string log_path = options.log_path_set ? options.log_path : snapshot->policy.log.file;
  if (!records.open(log_path, options.summary ? stdout : nullptr, &error)) return die(error);
  // `show log` and alert mail read the log back: give them the absolute path.
  const std::string log_file = log_path.empty() || log_path == "-" ? std::string() : std::filesystem::absolute(log_path).string();

  dataplane::PortSet ports;
  dataplane::PortSettings port_settings;
  port_settings.mbufs = options.mbufs;
  // The per-lcore cache may hold at most 1/1.5 of the pool (rte_mempool_create); keep it well under that.
  port_settings.mbuf_cache = std::min<uint32_t>(port_settings.mbuf_cache, options.mbufs / 4);
  if (options.mode == "live") {
    // A live port's rx ring is kept full from the worker's pool (a NIC's descriptors, net_tap's iovecs): a pool
    // smaller than both rings could not start, and one barely larger would have nothing left to transmit with.
    const uint32_t held = 2u * port_settings.rx_descriptors, least = held + port_settings.mbuf_cache + 64;
    if (options.mbufs < least) {
      return die("--mbufs " + std::to_string(options.mbufs) + ": the two ports' rx rings hold " +
                 std::to_string(held) + " mbufs of each worker's pool; give at least " + std::to_string(least));
    }
  }
  if (options.mode == "live") port_settings.workers = static_cast<uint16_t>(live_workers(options, snapshot->policy));
  if (!dataplane::start_ports(port_settings, ports, &error)) return die(error);
  dataplane::print_startup(stderr, ports, *snapshot);
  if (options.mode == "live") {
    const int rc = run_live_with_control(options, std::move(snapshot), records, log_file, ports);
    dataplane::stop_ports(ports);
    return rc;
  }

  engine::Scratch scratch(*snapshot->database);
  uint64_t clock_ns = 0;
  const scan::InspectorContext inspector{snapshot.get(), &scratch, &records, &clock_ns};
  const control::SessionSettings& session = snapshot->policy.session;
  dataplane::FlowTableLimits flow_limits;
  flow_limits.max_flows = session.max_flows;
  flow_limits.idle_timeout_ns = static_cast<uint64_t>(session.idle_timeout_s) * 1000000000ull;
  reassembly::ReassemblyLimits reassembly_limits;
  reassembly_limits.max_ooo_bytes = session.reassembly_memory_kb * 1024;
  reassembly_limits.max_ooo_segments = session.reassembly_segments;
  dataplane::FlowTable flows(flow_limits, reassembly_limits, inspector);
  if (!flows.init("sluice_flows_" + std::to_string(rte_lcore_id()), static_cast<int>(rte_socket_id()), &error)) {
    return die(error);
  }
  dataplane::PacketProcessor processor(flows, snapshot->policy.smtp.ports);
  dataplane::OfflineWorker worker(dataplane::OfflineSettings{}, ports, processor, flows, &clock_ns);
  worker.run();
  records.flush();
  dataplane::print_stats(stderr, processor.counters(), flows.counters(), records);
  dataplane::stop_ports(ports);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Hugepages when the machine has them; without, 4 KB pages rather than an EAL that refuses to start.
  const dataplane::EalMemoryChoice memory =
      dataplane::choose_eal_memory(std::vector<std::string>(argv, argv + argc), dataplane::free_hugepage_bytes());
  if (memory.fell_back) {
    std::fprintf(stderr, "sluice: no free hugepages: running with --no-huge (4 KB pages cost a TLB miss per mbuf; "
                         "reserve hugepages for production, e.g. echo 1024 > /proc/sys/vm/nr_hugepages)\n");
  }
  std::vector<std::string> eal_strings = memory.args;
  std::vector<char*> eal_argv;
  for (std::string& a : eal_strings) eal_argv.push_back(a.data());
  eal_argv.push_back(nullptr);
  argc = static_cast<int>(eal_strings.size());
  argv = eal_argv.data();
  const int eal_args = rte_eal_init(argc, argv);
  if (eal_args < 0) return die("EAL initialisation failed (see the EAL message above)");
  argc -= eal_args;
  argv += eal_args;
  // What remains is argv[0] followed by sluice's own options (after "--").
  dataplane::AppOptions options;
  bool help = false;
  std::string error;
  if (!dataplane::parse_app_options(argc - 1, argv + 1, &options, &help, &error)) {
    std::fprintf(stderr, "sluice: %s\n%s", error.c_str(), dataplane::app_usage());
    rte_eal_cleanup();
    return 2;
  }
  if (help) {
    std::fputs(dataplane::app_usage(), stdout);
    rte_eal_cleanup();
    return 0;
  }
  const int rc = run(options);
  rte_eal_cleanup();
  return rc;
}
