// dataplane/flow_steering.h — which worker owns a connection, so both directions reach the same core.
//
// Owns: the owner function and its bucket table. A proxied or pass-through connection is known by its client
// endpoint on both ports: the client's frames arrive outside as client → VIP, the backend's arrive inside as
// backend → client (Sluice dials the backend from the client's address and port, and pass-through un-DNATs
// towards the client). So the owner is a function of the client's TCP port alone: outside the source port,
// inside the destination port. Bucket = (port >> 1) & (kBuckets - 1) — the shift because Linux hands out
// connect() ports in steps of two (even ports first), which would otherwise leave half the buckets empty — and
// the table maps buckets to workers round-robin.
// Why the port and not a hash of address and port: a NIC can do exactly this with rte_flow (one rule per bucket
// matching the port under a mask, action QUEUE), so hardware steering agrees with the software owner by
// construction and no frame needs a second hop. The software check stays on every frame regardless: a PMD that
// steers differently (or not at all) costs a redirect, never a split session.
// May call: dataplane/frame_layout, tcp_header (no DPDK).
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/live_topology.h"

namespace sluice::dataplane {

class FlowSteering {
 public:
  static constexpr uint32_t kBuckets = 64;
  static constexpr uint16_t kPortMask = (kBuckets - 1) << 1;   // the port bits one bucket is made of
  static constexpr uint32_t kMaxWorkers = 64;

  explicit FlowSteering(uint32_t workers = 1);

  uint32_t workers() const { return workers_; }
  static uint32_t bucket_of(uint16_t client_port) { return (client_port & kPortMask) >> 1; }
  uint32_t owner_of_bucket(uint32_t bucket) const { return owner_[bucket]; }
  uint32_t owner_of_port(uint16_t client_port) const { return owner_[bucket_of(client_port)]; }
  // The worker that owns a TCP frame arriving on `side` with these ports.
  uint32_t owner(Side side, uint16_t src_port, uint16_t dst_port) const {
    return owner_of_port(side == Side::Outside ? src_port : dst_port);
  }

 private:
  uint32_t workers_;
  std::array<uint8_t, kBuckets> owner_{};
};

}  // namespace sluice::dataplane
