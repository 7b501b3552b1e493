// dataplane/client_counts.h — how many inspected sessions each client holds on one worker (THREATS RES-2).
//
// Owns: a fixed open-addressing table from a client key to its live session count, and the key itself: the
// IPv4 address, or the IPv6 address cut to a prefix (one host on IPv6 usually holds a whole /64, so counting
// /128s would let it open a connection per address). Sized once for the worker's sessions (each session adds at
// most one key), so it never allocates after init and never fills. Slots are chosen by SipHash under a key drawn
// at init: a client cannot pick addresses that pile up in one probe run. Deletion shifts the run back (no
// tombstones), so lookups stay short however long the worker runs. Single writer: the owning worker.
// May call: reassembly/syn_cookie.h (SipHash).
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/ip_address.h"

namespace sluice::dataplane {

// The address a limit counts: IPv4 as is; IPv6 with the bits beyond `v6_prefix` cleared.
IpAddr client_key(const IpAddr& client, unsigned v6_prefix);

class ClientConnectionCounts {
 public:
  // Room for `max_sessions` distinct clients at most half full; `hash_key` spreads them (random per worker).
  // 0: no table (the limit is off); count() is then always 0.
  void init(uint32_t max_sessions, const uint8_t hash_key[16]);
  uint32_t count(const IpAddr& key) const;
  void add(const IpAddr& key);
  // A key that is not there is ignored (each add has exactly one remove, so this does not happen).
  void remove(const IpAddr& key);
  uint32_t clients() const { return used_; }

 private:
  struct Slot {
    IpAddr key;
    uint32_t count = 0;   // 0: the slot is free
  };
  size_t home(const IpAddr& key) const;
  size_t find(const IpAddr& key) const;   // its slot, or the free slot that ends its probe run

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  uint32_t used_ = 0;
  uint8_t hash_key_[16] = {};
};

}  // namespace sluice::dataplane
