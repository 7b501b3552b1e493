#include "dataplane/offline_worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <vector>

namespace sluice::dataplane {

OfflineWorker::OfflineWorker(const OfflineSettings& settings, const PortSet& ports, PacketProcessor& processor,
                             FlowTable& flows, uint64_t* clock_ns)
    : settings_(settings), ports_(ports), processor_(processor), flows_(flows), clock_ns_(clock_ns) {}

uint64_t OfflineWorker::frame_time_ns(const rte_mbuf* m) const {
  if (ports_.timestamp_offset >= 0 && (m->ol_flags & ports_.timestamp_flag)) {
    return *RTE_MBUF_DYNFIELD(m, ports_.timestamp_offset, const rte_mbuf_timestamp_t*);
  }
  return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000000000ull + 1);
}

std::string_view OfflineWorker::frame_bytes(rte_mbuf* m) {
  if (m->nb_segs == 1) return {rte_pktmbuf_mtod(m, const char*), m->data_len};
  linear_.clear();
  for (rte_mbuf* seg = m; seg; seg = seg->next) linear_.append(rte_pktmbuf_mtod(seg, const char*), seg->data_len);
  return linear_;
}

// Ports are drained one after another: each carries one capture file with its own clock, and flows never
// span files, so the end of a file ends its flows (CloseReason::EndOfInput) before the next file starts.
void OfflineWorker::run() {
  std::vector<rte_mbuf*> burst(settings_.burst);
  for (const PortInfo& port : ports_.ports) {
    *clock_ns_ = 0;
    for (uint32_t empty_polls = 0; empty_polls < settings_.empty_polls_for_end;) {
      const uint16_t n = rte_eth_rx_burst(port.port_id, 0, burst.data(), settings_.burst);
      if (n == 0) {
        ++empty_polls;
        continue;
      }
      empty_polls = 0;
      for (uint16_t k = 0; k < n; ++k) {
        const uint64_t t = frame_time_ns(burst[k]);
        if (t > *clock_ns_) *clock_ns_ = t;   // a capture's clock may step back: ours never does
        processor_.process(frame_bytes(burst[k]), *clock_ns_);
      }
      rte_pktmbuf_free_bulk(burst.data(), n);
      flows_.expire_idle(*clock_ns_);
    }
    flows_.close_all(reassembly::CloseReason::EndOfInput);
  }
}

}  // namespace sluice::dataplane
