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
  uint32_t mbufs = 8191;          // per process; 2^n - 1 is the mempool's sweet spot
  uint32_t mbuf_cache = 256;
};

struct PortInfo {
  uint16_t port_id = 0;
  std::string driver;
  std::string name;
};

struct PortSet {
  rte_mempool* pool = nullptr;
  std::vector<PortInfo> ports;
  // Capture timestamps (net_pcap) arrive in an mbuf dynamic field; -1 when no PMD provides them.
  int timestamp_offset = -1;
  uint64_t timestamp_flag = 0;
};

bool start_ports(const PortSettings&, PortSet& out, std::string* error);
void stop_ports(PortSet&);

}  // namespace sluice::dataplane
