// dataplane/ports.h — DPDK port set-up, whatever the PMD (pcap, tap, ring, null, real NICs).
//
// Owns: the mbuf pool and the configuration/start/stop of every port the EAL arguments created.
// Set-up only: nothing here runs per packet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rte_mempool;

namespace sluice::dataplane {

struct PortSettings {
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t mbufs = 8191;          // per worker (each worker has its own pool); 2^n - 1 is the mempool's sweet spot
  uint32_t mbuf_cache = 256;
  uint16_t workers = 1;           // dataplane workers: one tx queue each, and one rx queue each where the PMD can
};

struct PortInfo {
  uint16_t port_id = 0;
  std::string driver;
  std::string name;
  uint16_t rx_queues = 1;         // workers, or 1 when the PMD has fewer (worker 0 then receives for all)
  uint16_t tx_queues = 1;         // one per worker
  bool rss = false;               // the PMD spreads rx over its queues by RSS
};

struct PortSet {
  rte_mempool* pool = nullptr;    // worker 0's pool (the offline worker's)
  std::vector<rte_mempool*> pools;   // one per worker: rx queue i and worker i's transmissions use pools[i]
  std::vector<PortInfo> ports;
  // Capture timestamps (net_pcap) arrive in an mbuf dynamic field; -1 when no PMD provides them.
  int timestamp_offset = -1;
  uint64_t timestamp_flag = 0;
};

// Every port gets settings.workers tx queues (an error if the PMD has fewer) and as many rx queues, with RSS
// when the PMD offers it for TCP, else one rx queue.
bool start_ports(const PortSettings&, PortSet& out, std::string* error);
void stop_ports(PortSet&);

}  // namespace sluice::dataplane
