// sluice — the appliance daemon.
//   --mode offline: every DPDK port the EAL arguments create (net_pcap for capture files) is read to its end;
//                   every SMTP message found is inspected and logged (one JSON line each), with a verdict.
//   --mode live:    the inline appliance between the outside and inside ports (live_mode.h).
#include <rte_eal.h>
#include <rte_lcore.h>

#include <cstdio>
#include <string>

#include "control/policy.h"
#include "control/log/record_writer.h"
#include "dataplane/app_options.h"
#include "dataplane/live_mode.h"
#include "dataplane/offline_worker.h"
#include "dataplane/stats_report.h"
#include "scan/inspector/policy_snapshot.h"

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

int run(const dataplane::AppOptions& options) {
  control::Policy policy;
  if (!load_policy(options, &policy)) return die("configuration has errors; nothing started");
  std::string error;
  auto snapshot = scan::build_policy_snapshot(policy, &error);
  if (!snapshot) return die(error);

  log::RecordWriter records;
  const std::string log_path = options.log_path_set ? options.log_path : snapshot->policy.log.file;
  if (!records.open(log_path, options.summary ? stdout : nullptr, &error)) return die(error);

  dataplane::PortSet ports;
  if (!dataplane::start_ports(dataplane::PortSettings{}, ports, &error)) return die(error);
  dataplane::print_startup(stderr, ports, *snapshot);
  if (options.mode == "live") {
    const int rc = dataplane::run_live(*snapshot, records, ports, options.idle_sleep_us);
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
