// dataplane/rx_checksum.h — whether a received TCP segment's checksums hold: the IPv4 header checksum and the
// TCP checksum over the RFC 9293 §3.1 / RFC 8200 §8.1 pseudo-header. A segment that fails is not a segment
// (THREATS TCP-3: a stack that accepted it would keep an evader's chaff as the first copy of those bytes).
//
// Owns: the receive-side check, in software over the frame's bytes, or the NIC's verdict where its RX offload
// gave one (RTE_MBUF_F_RX_*_CKSUM_GOOD/BAD; UNKNOWN or NONE falls back to software).
// May call: dataplane/{checksum,frame_layout}.h. Header-only, no allocation, no DPDK headers (flags passed in).
#pragma once

#include <cstdint>

#include "dataplane/checksum.h"
#include "dataplane/frame_layout.h"

namespace sluice::dataplane {

// What the NIC said about one checksum: it did not look (software decides), or it looked.
enum class RxChecksum : uint8_t { Unknown, Good, Bad };

// True when both checksums of a located, unfragmented IPv4/IPv6 TCP frame verify.
inline bool tcp_checksums_ok(const uint8_t* frame, const FrameLayout& layout, RxChecksum ip_by_nic,
                             RxChecksum l4_by_nic) {
  const uint8_t* l3 = frame + layout.l3_offset;
  const bool v4 = layout.kind == FrameKind::Ipv4;
  if (v4) {
    if (ip_by_nic == RxChecksum::Bad) return false;
    if (ip_by_nic == RxChecksum::Unknown && !checksum_valid(l3, layout.l3_header_len)) return false;
  }
  if (l4_by_nic != RxChecksum::Unknown) return l4_by_nic == RxChecksum::Good;
  const uint8_t* l4 = frame + layout.l4_offset;
  const uint32_t length = static_cast<uint32_t>(layout.l4_len);
  const uint64_t pseudo = v4 ? pseudo_header_sum_v4(l3 + 12, l3 + 16, kIpProtoTcp, length)
                             : pseudo_header_sum_v6(l3 + 8, l3 + 24, kIpProtoTcp, length);
  return checksum_fold(checksum_add(pseudo, l4, length)) == 0xffff;
}

}  // namespace sluice::dataplane
