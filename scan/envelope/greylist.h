// scan/envelope/greylist.h — per-worker greylisting of (client prefix, sender, recipient) triplets.
//
// Owns: the triplet table and its rules. A triplet first seen is refused with 451 4.7.1 for `delay`; a
// retry after the delay and within `retry-window` of the first sight passes and is remembered; a
// remembered triplet passes for `lifetime` after its last use. Later than that, or a retry later than the
// window, starts over. The client address is cut to `ipv4-prefix` / `ipv6-prefix` bits first, because
// large senders retry from sibling addresses. With `delay` 0 a new triplet passes at once (and is
// remembered).
//
// The table holds at most `max-entries` triplets, each a 64-bit SipHash of the triplet under a per-table
// random key (senders choose triplets; they must not choose collisions) plus two times — no strings.
// Full, it evicts the least recently seen triplet. Memory is taken once, in the constructor: check()
// allocates nothing (the overload filling a caller's EnvelopeDecision reuses its strings' capacity).
//
// May call: client_address.h, decision.h, siphash.h, control/policy.h (GreylistSettings).
// One instance per worker; not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "control/policy.h"
#include "scan/envelope/client_address.h"
#include "scan/envelope/decision.h"

namespace sluice::scan::envelope {

class Greylist {
 public:
  using Key = std::array<uint64_t, 2>;

  // Keyed from std::random_device. A disabled greylist (status disable) takes no memory and passes all.
  explicit Greylist(const control::GreylistSettings& settings);
  Greylist(const control::GreylistSettings& settings, Key hash_key);

  // now_ns: any clock that does not go backwards, the same for every call (the worker's monotonic clock).
  // Returns refuse=false to pass, or code 451, rule "greylist" and
  // "4.7.1 <recipient>: Recipient address rejected: Greylisted, try again in N seconds".
  EnvelopeDecision check(const ClientAddress& client, std::string_view sender, std::string_view recipient,
                         uint64_t now_ns);
  // The same, written into *decision; allocation-free once decision's strings have room for the reply.
  void check(const ClientAddress& client, std::string_view sender, std::string_view recipient, uint64_t now_ns,
             EnvelopeDecision* decision);

  size_t size() const { return used_; }
  size_t capacity() const { return entries_.size(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Entry {
    uint64_t key;
    uint64_t first_seen_ns;  // when the current greylisting round began
    uint64_t last_seen_ns;   // the last time this triplet passed
    uint32_t older, newer;   // recency list (also the free list, through `newer`)
    bool passed;
  };

  uint64_t triplet_key(const ClientAddress& client, std::string_view sender, std::string_view recipient) const;
  bool expired(const Entry& entry, uint64_t now_ns) const;
  uint32_t find_slot(uint64_t key) const;  // the index slot holding key, or the empty slot ending its probe
  uint32_t home(uint64_t key) const { return static_cast<uint32_t>(key) & slot_mask_; }
  uint32_t insert(uint64_t key, uint32_t slot, uint64_t now_ns);
  void remove(uint32_t entry);
  void unlink(uint32_t entry);
  void link_newest(uint32_t entry);
  void refuse(std::string_view recipient, uint64_t wait_ns, EnvelopeDecision* decision) const;

  Key hash_key_;
  uint64_t delay_ns_, retry_window_ns_, lifetime_ns_;
  std::array<uint8_t, 16> ipv4_mask_{}, ipv6_mask_{};
  std::vector<Entry> entries_;      // max-entries slots, taken once
  std::vector<uint32_t> slots_;     // open addressing (linear probing) over entry indices; kNone = empty
  uint32_t slot_mask_ = 0;
  uint32_t oldest_ = kNone, newest_ = kNone, free_ = kNone;
  size_t used_ = 0;
};

}  // namespace sluice::scan::envelope
