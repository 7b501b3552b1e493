// dataplane/link_io.cc — see link_io.h.
#include "dataplane/link_io.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/arp.h"
#include "dataplane/ndp.h"

namespace sluice::dataplane {

LinkIo::LinkIo(const LinkConfig& link, const NeighbourConfig& neighbours, rte_mempool* pool, LiveCounters& counters,
               uint16_t tx_queue)
    : link_(link), neighbours_(neighbours), pool_(pool), counters_(counters), tx_queue_(tx_queue) {}

LinkIo::~LinkIo() {
  for (uint32_t i = 0; i < held_count_; ++i) rte_pktmbuf_free(held_[i].frame);
  for (uint32_t i = 0; i < staged_count_; ++i) rte_pktmbuf_free(staged_[i]);
}

rte_mbuf* LinkIo::alloc() {
  rte_mbuf* frame = rte_pktmbuf_alloc(pool_);
  if (frame == nullptr) counters_.drops_no_mbuf.add();
  return frame;
}

void LinkIo::send_tcp(TcpFrameSpec& spec, uint64_t now_ns) {
  const std::optional<IpAddr> next_hop = link_.next_hop(spec.dst_ip);
  if (!next_hop) {
    counters_.drops_no_neighbour.add();
    return;
  }
  rte_mbuf* frame = alloc();
  if (frame == nullptr) return;
  spec.src_mac = link_.mac;
  spec.ip_id = next_ip_id();
  const BuiltFrame built =
      build_tcp_frame(spec, rte_pktmbuf_mtod(frame, uint8_t*), static_cast<size_t>(rte_pktmbuf_tailroom(frame)));
  if (!built) {
    rte_pktmbuf_free(frame);
    counters_.drops_malformed.add();
    return;
  }
  frame->data_len = static_cast<uint16_t>(built.length);
  frame->pkt_len = static_cast<uint32_t>(built.length);
  deliver(frame, *next_hop, now_ns);
}

void LinkIo::send_rewritten(rte_mbuf* frame, const IpAddr& destination, uint64_t now_ns) {
  const std::optional<IpAddr> next_hop = link_.next_hop(destination);
  if (!next_hop) {
    rte_pktmbuf_free(frame);
    counters_.drops_no_neighbour.add();
    return;
  }
  uint8_t* data = rte_pktmbuf_mtod(frame, uint8_t*);
  std::memcpy(data + 6, link_.mac.data(), 6);
  deliver(frame, *next_hop, now_ns);
}

std::optional<MacAddress> LinkIo::next_hop_mac(const IpAddr& destination, uint64_t now_ns) {
  const std::optional<IpAddr> next_hop = link_.next_hop(destination);
  if (!next_hop) return std::nullopt;
  const std::optional<MacAddress> mac = neighbours_.lookup(*next_hop, now_ns);
  if (mac) resolve(*next_hop, now_ns);  // refreshes a Stale entry; rate-limited, usually nothing
  return mac;
}

void LinkIo::deliver(rte_mbuf* frame, const IpAddr& next_hop, uint64_t now_ns) {
  if (const std::optional<MacAddress> mac = neighbours_.lookup(next_hop, now_ns)) {
    set_destination_mac(frame, *mac);
    stage(frame);
    // A Stale entry still carries traffic; resolve() refreshes it in the background, as Linux does.
    resolve(next_hop, now_ns);
    return;
  }
  resolve(next_hop, now_ns);
  if (held_count_ == kHeld) {
    rte_pktmbuf_free(frame);
    counters_.drops_no_neighbour.add();
    return;
  }
  held_[held_count_++] = Held{frame, next_hop, now_ns};
}

void LinkIo::resolve(const IpAddr& next_hop, uint64_t now_ns) {
  const bool v4 = next_hop.is_v4();
  const std::optional<IpAddr> own = link_.own_address(v4);
  if (!own) return;
  // needs_resolution() records the request, so it is asked only when a request will really go out.
  if (!neighbours_.needs_resolution(next_hop, now_ns)) return;
  const bool sent = send_built([&](uint8_t* data, size_t capacity) {
    return v4 ? build_arp_request(link_.mac, *own, next_hop, 0, data, capacity)
              : build_neighbor_solicitation(link_.mac, *own, next_hop, 0, data, capacity);
  });
  if (sent) (v4 ? counters_.arp_requests : counters_.nd_solicitations).add();
}

void LinkIo::release_held(uint64_t now_ns) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < held_count_; ++i) {
    Held& held = held_[i];
    if (const std::optional<MacAddress> mac = neighbours_.lookup(held.next_hop, now_ns)) {
      set_destination_mac(held.frame, *mac);
      stage(held.frame);
    } else if (now_ns - held.since_ns > kHoldNs) {
      rte_pktmbuf_free(held.frame);
      counters_.drops_no_neighbour.add();
    } else {
      held_[kept++] = held;
    }
  }
  held_count_ = kept;
}

void LinkIo::stage(rte_mbuf* frame) {
  if (staged_count_ == kBurst) flush();
  staged_[staged_count_++] = frame;
}

void LinkIo::flush() {
  if (staged_count_ == 0) return;
  const uint16_t sent = rte_eth_tx_burst(link_.port_id, tx_queue_, staged_.data(), static_cast<uint16_t>(staged_count_));
  counters_.tx_packets.add(sent);
  for (uint32_t i = sent; i < staged_count_; ++i) rte_pktmbuf_free(staged_[i]);
  counters_.tx_dropped.add(staged_count_ - sent);
  staged_count_ = 0;
}

void LinkIo::set_destination_mac(rte_mbuf* frame, const MacAddress& mac) {
  std::memcpy(rte_pktmbuf_mtod(frame, uint8_t*), mac.data(), 6);
}

}  // namespace sluice::dataplane
