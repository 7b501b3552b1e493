// dataplane/offline_worker.h — the poll loop that inspects capture files read by DPDK (net_pcap).
//
// Owns: the rx-burst loop over every port, the conversion of mbufs to frames for the PacketProcessor, the
// worker clock (capture timestamps when the PMD provides them), idle time-outs, and end-of-input detection.
// One lcore: a capture is one ordered packet stream, and reassembly needs that order.
#pragma once

#include <cstdint>
#include <string>

#include "dataplane/packet_processor.h"
#include "dataplane/ports.h"

struct rte_mbuf;

namespace sluice::dataplane {

struct OfflineSettings {
  uint32_t burst = 32;
  // net_pcap returns an empty burst only at the end of its file; a few in a row on every port means done.
  uint32_t empty_polls_for_end = 16;
};

class OfflineWorker {
 public:
  OfflineWorker(const OfflineSettings&, const PortSet&, PacketProcessor&, FlowTable&, uint64_t* clock_ns);
  void run();      // returns when every port has reached the end of its input

 private:
  uint64_t frame_time_ns(const rte_mbuf*) const;
  std::string_view frame_bytes(rte_mbuf*);

  OfflineSettings settings_;
  const PortSet& ports_;
  PacketProcessor& processor_;
  FlowTable& flows_;
  uint64_t* clock_ns_;
  std::string linear_;     // reused when a frame spans several mbuf segments
};

}  // namespace sluice::dataplane
