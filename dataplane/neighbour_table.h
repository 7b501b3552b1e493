// dataplane/neighbour_table.h — IPv4 (ARP) and IPv6 (ND) neighbours of one port: address → MAC.
//
// Owns: the entries, their states (RFC 4861 §7.3.2 names, reduced to what a forwarding appliance needs),
// their ageing and the rate limit on resolution requests. One per port per worker, single writer, no locks.
// Calls: nothing. All memory is allocated by the constructor (open addressing, linear probing, at most
// half full so probes stay short); learn/lookup/needs_resolution never allocate.
//
// Like Linux: an entry is Reachable for `reachable_ns` after it was learned; then Stale — still used for
// sending, while needs_resolution() says a refresh request is due; after `stale_ns` more it is forgotten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "dataplane/ip_address.h"

namespace sluice::dataplane {

struct NeighbourConfig {
  size_t capacity = 1024;                           // entries (IPv4 and IPv6 together)
  uint64_t reachable_ns = 300'000'000'000ULL;       // Reachable after learning (300 s)
  uint64_t stale_ns = 60'000'000'000ULL;            // usable-but-refreshing after that (Linux gc_stale_time)
  uint64_t request_interval_ns = 1'000'000'000ULL;  // at most one request per address per interval (1 s)
  uint64_t incomplete_ns = 3'000'000'000ULL;        // an unanswered resolution is forgotten (3 probes)
};

enum class NeighbourState : uint8_t {
  Incomplete,  // a request was sent, no answer yet: no MAC
  Reachable,   // learned less than reachable_ns ago
  Stale,       // older: still used, a refresh request is due
};

const char* neighbour_state_name(NeighbourState);

struct NeighbourEntry {
  IpAddr ip;
  MacAddress mac{};
  NeighbourState state = NeighbourState::Incomplete;
  uint64_t learned_at = 0;       // ns; when the MAC was last confirmed
  uint64_t requested_at = 0;     // ns; when needs_resolution() last said yes
  uint64_t created_at = 0;       // ns; when the entry was made (ages Incomplete entries)
  bool has_requested = false;
  bool used = false;             // slot occupied
};

struct NeighbourCounters {
  uint64_t learned = 0;      // learn() calls that stored a MAC
  uint64_t table_full = 0;   // learn()/needs_resolution() found no free slot
  uint64_t expired = 0;      // entries forgotten by ageing
  uint64_t requests = 0;     // needs_resolution() said yes
};

class NeighbourTable {
 public:
  explicit NeighbourTable(NeighbourConfig config = {});

  // The MAC if the entry is Reachable or Stale at now_ns (a Stale one still carries traffic).
  std::optional<MacAddress> lookup(const IpAddr& ip, uint64_t now_ns);

  // Stores or refreshes ip → mac as Reachable. False only when the table is full of live entries.
  bool learn(const IpAddr& ip, const MacAddress& mac, uint64_t now_ns);

  // True when the caller should send an ARP request / NS for ip now: no entry, Incomplete or Stale, and no
  // request for it in the last request_interval_ns. Saying yes records the request (and creates an
  // Incomplete entry if there was none), so the next call within the interval says no.
  bool needs_resolution(const IpAddr& ip, uint64_t now_ns);

  // The current entry (ageing applied), or nullptr. For learning rules that only update what exists.
  const NeighbourEntry* find(const IpAddr& ip, uint64_t now_ns);

  void forget(const IpAddr& ip);

  size_t size() const { return size_; }
  size_t capacity() const { return config_.capacity; }
  const NeighbourCounters& counters() const { return counters_; }
  const NeighbourConfig& config() const { return config_; }

 private:
  size_t slot_of(const IpAddr& ip) const;  // the slot holding ip, or kNone
  size_t insert_slot(const IpAddr& ip, uint64_t now_ns);  // a new used slot for ip, or kNone
  // Applies ageing to the entry in slot; false (and the slot freed) when it has expired.
  bool age(size_t slot, uint64_t now_ns);
  void erase_slot(size_t slot);
  bool evict_one_expired(uint64_t now_ns);

  static constexpr size_t kNone = static_cast<size_t>(-1);
  NeighbourConfig config_;
  std::vector<NeighbourEntry> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  NeighbourCounters counters_;
};

}  // namespace sluice::dataplane
