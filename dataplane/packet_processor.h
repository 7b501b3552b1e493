// dataplane/packet_processor.h — the per-packet path of a worker, independent of how frames arrive.
//
// Owns: parse → flow lookup/creation → reassembly for one frame, and the worker's packet counters.
// The offline worker feeds it frames from DPDK mbufs; the same object will serve the live worker.
// Calls: packet parser, FlowTable.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/flow_table.h"
#include "dataplane/packet_parser.h"

namespace sluice::dataplane {

struct PacketCounters {
  uint64_t frames = 0, bytes = 0, tcp = 0, tcp_payload_bytes = 0;
  std::array<uint64_t, 6> by_parse_result{};   // indexed by ParseResult
  uint64_t no_flow = 0;                        // segment of no known flow that may not open one
};

class PacketProcessor {
 public:
  // `smtp_ports`: ports the policy inspects; used to tell client from server when a flow is picked up
  // mid-stream (no SYN seen).
  PacketProcessor(FlowTable&, std::vector<uint16_t> smtp_ports);
  void process(std::string_view frame, uint64_t now_ns);
  const PacketCounters& counters() const { return counters_; }

 private:
  bool is_server_port(uint16_t port) const;
  bool client_is_a(const PacketView&, bool sender_is_a) const;

  FlowTable& flows_;
  std::vector<uint16_t> smtp_ports_;
  PacketView packet_;
  PacketCounters counters_;
};

}  // namespace sluice::dataplane
