// dataplane/passthrough_table.h — DNAT pass-through connections: VIP ports that are published but not inspected.
//
// Owns: a fixed pool of NAT entries (client, VIP, backend addresses and ports) and their life cycle: created by
// the client's SYN, ended by RST, by FIN from both sides (after a TIME-WAIT-long linger, so late retransmissions
// still find their way), or by the idle time-out. Expiry is an incremental sweep over a few entries per poll
// iteration: O(1) per iteration, every entry visited within pool-size / sweep-step iterations.
// May call: dataplane/conn_table.h. One worker only.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/conn_table.h"

namespace sluice::dataplane {

struct PassthroughEntry {
  IpAddr client, vip, backend;
  uint16_t client_port = 0, vip_port = 0, backend_port = 0;
  uint64_t last_seen_ns = 0;
  // Next-hop MACs cached per direction so the per-packet path skips the neighbour table; re-checked after
  // kMacCacheNs, so a neighbour that changed its MAC (failover) is followed within that time.
  MacAddress client_mac{}, backend_mac{};
  uint64_t client_mac_ns = 0, backend_mac_ns = 0;
  bool client_mac_known = false, backend_mac_known = false;
  static constexpr uint64_t kMacCacheNs = 1'000'000'000ull;
  bool fin_from_client = false, fin_from_backend = false, reset = false, established = false;
  bool used = false;

  ConnKey outside_key() const { return ConnKey::make(Side::Outside, client, client_port, vip, vip_port); }
  ConnKey inside_key() const { return ConnKey::make(Side::Inside, backend, backend_port, client, client_port); }
};

struct PassthroughTimeouts {
  uint64_t idle_ns = 300'000'000'000ull;      // established, nothing seen
  uint64_t embryonic_ns = 10'000'000'000ull;  // SYN seen, no answer from the backend
  uint64_t closed_ns = 60'000'000'000ull;     // after RST or FIN both ways
};

class PassthroughTable {
 public:
  PassthroughTable(uint32_t capacity, const PassthroughTimeouts&);

  // A free entry (nullptr when full); the caller fills it and inserts both keys.
  PassthroughEntry* acquire();
  PassthroughEntry& at(uint32_t index) { return entries_[index]; }
  uint32_t index_of(const PassthroughEntry& e) const { return static_cast<uint32_t>(&e - entries_.data()); }
  // Notes the TCP flags of a forwarded frame; `from_client` is its direction.
  static void observe(PassthroughEntry&, uint8_t tcp_flags, bool from_client, uint64_t now_ns);
  // Visits the next `step` entries; frees the expired ones (erasing their keys from `conns`). Returns how many.
  uint32_t sweep(uint64_t now_ns, uint32_t step, ConnTable& conns);
  uint32_t in_use() const { return in_use_; }

 private:
  bool expired(const PassthroughEntry&, uint64_t now_ns) const;
  void release(PassthroughEntry&, ConnTable& conns);

  std::vector<PassthroughEntry> entries_;
  std::vector<uint32_t> free_;
  PassthroughTimeouts timeouts_;
  uint32_t cursor_ = 0;
  uint32_t in_use_ = 0;
};

}  // namespace sluice::dataplane
