// dataplane/live_worker_fragments.cc — LiveWorker::reassemble: the live worker's side of IP fragment reassembly
// (THREATS TCP-6). Owns the mbuf handling around dataplane/ip_reassembly (which sees bytes only): which worker
// reassembles, where the whole frame is written, and the counters.
//
// N workers: connections are owned by their client's TCP port, and a non-first fragment carries no port. So a
// datagram's fragments are first gathered by (source, destination, id) at one worker (`fragment_worker`), through
// the redirect mesh when they arrived elsewhere; that worker reassembles, and the whole frame then goes through
// handle_burst's owner check like any received frame — to the connection's owner, through the mesh again if
// needed. With one worker neither hand-over happens.
//
// The whole frame is written into the mbuf of the fragment that completed the datagram (the earlier fragments
// were copied into the reassembly slot and freed on arrival): no mbuf is taken from the pool, none is held while
// a datagram waits. Its RX checksum flags are cleared, so the TCP checksum gate (rx_checksum, TCP-3) verifies
// the reassembled segment in software.
// May call: dataplane/ip_reassembly, DPDK mbuf, the worker's redirect.
#include <rte_mbuf.h>

#include "dataplane/live_worker.h"

namespace sluice::dataplane {

bool LiveWorker::reassemble(Side side, Frame& f) {
  counters_.fragments_received.add();
  rte_mbuf* mbuf = f.mbuf;
  RedirectMesh* mesh = settings_.placement.mesh;
  if (mesh != nullptr && mesh->workers() > 1) {
    FragmentInfo info;
    if (parse_fragment(f.data, f.length, f.layout, &info)) {
      const uint32_t gatherer = fragment_worker(info, mesh->workers());
      if (gatherer != settings_.placement.index) {
        redirect(side, mbuf, gatherer);
        return false;
      }
    }
  }
  // A chained mbuf (scattered rx) has no contiguous room to write into; the live ports do not scatter.
  const size_t capacity = mbuf->nb_segs == 1 ? mbuf->buf_len - RTE_PKTMBUF_HEADROOM : 0;
  uint8_t* out = static_cast<uint8_t*>(mbuf->buf_addr) + RTE_PKTMBUF_HEADROOM;
  const FragmentOutcome outcome = fragments_.add(f.data, f.length, f.layout, *clock_ns_, out, capacity);
  counters_.fragments_timed_out.add(outcome.expired);
  switch (outcome.result) {
    case FragmentResult::Reassembled:
      counters_.fragments_reassembled.add();
      mbuf->data_off = RTE_PKTMBUF_HEADROOM;
      mbuf->data_len = static_cast<uint16_t>(outcome.frame_len);
      mbuf->pkt_len = static_cast<uint32_t>(outcome.frame_len);
      mbuf->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);   // the NIC saw a piece
      f.data = rte_pktmbuf_mtod(mbuf, const uint8_t*);
      f.length = outcome.frame_len;
      if (const FrameKind family = f.layout.kind;
          locate_layers(f.data, f.length, f.layout) == family && !f.layout.fragment) {
        return true;
      }
      counters_.drops_malformed.add();   // a fragment inside a fragment: never a TCP segment
      break;
    case FragmentResult::Held:
    case FragmentResult::Duplicate: break;
    case FragmentResult::Overlap: counters_.fragments_overlap_dropped.add(); break;
    case FragmentResult::TableFull: counters_.fragments_table_full.add(); break;
    case FragmentResult::BadChecksum: counters_.drops_bad_checksum.add(); break;
    default: counters_.drops_fragment.add(); break;
  }
  rte_pktmbuf_free(mbuf);
  return false;
}

}  // namespace sluice::dataplane
