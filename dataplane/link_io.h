// dataplane/link_io.h — one worker's transmit side of one appliance port, with its neighbours.
//
// Owns: the port's neighbour table (ARP/ND), the burst of frames staged for rte_eth_tx_burst, and a small
// hold queue of frames waiting for their next hop's MAC (sent the moment ARP/ND answers, dropped and counted
// after `hold_ns`). Frames are built straight into mbufs: TCP segments by FrameBuilder, replies by the
// ARP/ND/ICMP handlers.
// May call: DPDK mbuf/ethdev, dataplane/{frame_builder,arp,ndp,neighbour_table,live_topology}. One worker only.
#pragma once

#include <array>
#include <optional>
#include <cstdint>

#include "dataplane/frame_builder.h"
#include "dataplane/ip_address.h"
#include "dataplane/live_counters.h"
#include "dataplane/live_topology.h"
#include "dataplane/neighbour_table.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::dataplane {

class LinkIo {
 public:
  // tx_queue: this worker's own transmit queue on the port (one per worker: no lock on transmit).
  LinkIo(const LinkConfig& link, const NeighbourConfig& neighbours, rte_mempool* pool, LiveCounters& counters,
         uint16_t tx_queue = 0);
  ~LinkIo();
  LinkIo(const LinkIo&) = delete;
  LinkIo& operator=(const LinkIo&) = delete;

  const LinkConfig& link() const { return link_; }
  NeighbourTable& neighbours() { return neighbours_; }

  // Builds the TCP frame (MACs filled here) and sends it towards spec.dst_ip's next hop.
  void send_tcp(TcpFrameSpec& spec, uint64_t now_ns);
  // A frame already complete except for the destination MAC (a NAT-rewritten one): sets it and sends.
  void send_rewritten(rte_mbuf* frame, const IpAddr& destination, uint64_t now_ns);
  // The MAC of destination's next hop if known now (a Stale entry is refreshed in the background), so a caller
  // can cache it per connection; nullopt when it must be resolved first.
  std::optional<MacAddress> next_hop_mac(const IpAddr& destination, uint64_t now_ns);
  // A frame whose MACs are already right: straight into the tx burst.
  void send_ready(rte_mbuf* frame) { stage(frame); }
  // A complete frame (an ARP/ND/ICMP reply) built by `build(data, capacity) -> length`.
  template <typename Build>
  bool send_built(Build&& build);

  // Sends held frames whose next hop is now known; drops those that waited too long.
  void release_held(uint64_t now_ns);
  // Asks for a neighbour's MAC (ARP request or NS) unless asked within the rate limit.
  void resolve(const IpAddr& next_hop, uint64_t now_ns);
  // Hands the staged burst to the PMD.
  void flush();

  rte_mbuf* alloc();
  uint16_t next_ip_id() { return ip_id_++; }

 private:
  struct Held {
    rte_mbuf* frame = nullptr;
    IpAddr next_hop;
    uint64_t since_ns = 0;
  };
  static constexpr uint32_t kBurst = 64;
  static constexpr uint32_t kHeld = 128;
  static constexpr uint64_t kHoldNs = 2'000'000'000ull;

  void stage(rte_mbuf* frame);
  void deliver(rte_mbuf* frame, const IpAddr& next_hop, uint64_t now_ns);
  static void set_destination_mac(rte_mbuf* frame, const MacAddress& mac);

  LinkConfig link_;
  NeighbourTable neighbours_;
  rte_mempool* pool_;
  LiveCounters& counters_;
  std::array<rte_mbuf*, kBurst> staged_{};
  uint32_t staged_count_ = 0;
  std::array<Held, kHeld> held_{};
  uint32_t held_count_ = 0;
  uint16_t ip_id_ = 1;
  uint16_t tx_queue_ = 0;
};

}  // namespace sluice::dataplane

#include "dataplane/link_io_inl.h"
