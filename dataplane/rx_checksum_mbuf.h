// dataplane/rx_checksum_mbuf.h — rx_checksum.h's check for a received mbuf: the NIC's RX offload verdict read from
// its ol_flags (GOOD, BAD, or UNKNOWN/NONE: software decides), then tcp_checksums_ok.
// May call: dataplane/rx_checksum.h, DPDK mbuf flags. Header-only, no allocation.
#pragma once

#include <rte_mbuf_core.h>

#include "dataplane/rx_checksum.h"

namespace sluice::dataplane {

inline RxChecksum nic_checksum(uint64_t ol_flags, uint64_t mask, uint64_t good, uint64_t bad) {
  const uint64_t v = ol_flags & mask;
  return v == good ? RxChecksum::Good : v == bad ? RxChecksum::Bad : RxChecksum::Unknown;
}

inline bool rx_tcp_checksums_ok(const rte_mbuf* mbuf, const uint8_t* frame, const FrameLayout& layout) {
  const uint64_t ol = mbuf->ol_flags;
  return tcp_checksums_ok(
      frame, layout,
      nic_checksum(ol, RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD),
      nic_checksum(ol, RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_BAD));
}

}  // namespace sluice::dataplane
