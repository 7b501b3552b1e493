// dataplane/live_mode.cc — see live_mode.h.
#include "dataplane/live_mode.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

#include "dataplane/live_telemetry.h"
#include "dataplane/live_topology.h"
#include "dataplane/live_worker.h"

namespace sluice::dataplane {

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

// Live records are flushed one by one so `tail -f` and the tests see each message when it ends. Messages are
// rare next to packets; moving the writer behind a ring to the control thread comes with the control plane.
class LiveRecordSink final : public scan::RecordSink {
 public:
  explicit LiveRecordSink(log::RecordWriter& writer) : writer_(writer) {}
  void on_message_record(const scan::MessageRecord& record) override {
    writer_.on_message_record(record);
    writer_.flush();
    if (logged != nullptr) logged->add();
  }
  Counter* logged = nullptr;  // the worker's messages_logged

 private:
  log::RecordWriter& writer_;
};

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

int run_live(const scan::PolicySnapshot& snapshot, log::RecordWriter& records, PortSet& ports, uint32_t idle_sleep_us) {
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
  describe(stderr, topology);

  engine::Scratch scratch(*snapshot.database);
  uint64_t clock_ns = 0;
  LiveRecordSink sink(records);
  const scan::InspectorContext inspector{&snapshot, &scratch, &sink, &clock_ns};
  LiveWorkerSettings settings = live_worker_settings(snapshot.policy);
  settings.idle_sleep_us = idle_sleep_us;
  LiveWorker worker(settings, topology, ports.pool, inspector, &clock_ns);
  if (!worker.init("sluice_conns_" + std::to_string(rte_lcore_id()), static_cast<int>(rte_socket_id()), &error)) {
    std::fprintf(stderr, "sluice: %s\n", error.c_str());
    return 1;
  }
  sink.logged = &worker.messages_logged();
  register_live_telemetry(&worker.counters());
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::fprintf(stderr, "sluice: live, 1 worker lcore, %s; SIGINT/SIGTERM stops\n",
               idle_sleep_us == 0 ? "pure poll mode" : ("idle sleep " + std::to_string(idle_sleep_us) + " us").c_str());
  std::fflush(stderr);
  worker.run(g_stop);
  records.flush();
  std::fprintf(stderr, "sluice: stopped; counters:\n");
  print_live_counters(stderr, worker.counters());
  return 0;
}

}  // namespace sluice::dataplane
