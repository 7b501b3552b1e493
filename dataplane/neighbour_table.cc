#include "dataplane/neighbour_table.h"

namespace sluice::dataplane {

const char* neighbour_state_name(NeighbourState s) {
  switch (s) {
    case NeighbourState::Incomplete: return "incomplete";
    case NeighbourState::Reachable: return "reachable";
    case NeighbourState::Stale: return "stale";
  }
  return "unknown";
}

NeighbourTable::NeighbourTable(NeighbourConfig config) : config_(config) {
  if (config_.capacity == 0) config_.capacity = 1;
  size_t slots = 2;
  while (slots < config_.capacity * 2) slots <<= 1;  // load factor at most 1/2
  slots_.resize(slots);
  mask_ = slots - 1;
}

size_t NeighbourTable::slot_of(const IpAddr& ip) const {
  for (size_t i = ip.hash() & mask_;; i = (i + 1) & mask_) {
    const NeighbourEntry& e = slots_[i];
    if (!e.used) return kNone;  // never full: at most half the slots are used
    if (e.ip == ip) return i;
  }
}

// Backward-shift deletion keeps linear probing correct without tombstones.
void NeighbourTable::erase_slot(size_t hole) {
  slots_[hole].used = false;
  --size_;
  for (size_t i = (hole + 1) & mask_; slots_[i].used; i = (i + 1) & mask_) {
    const size_t home = slots_[i].ip.hash() & mask_;
    // Move entry i into the hole if its home is not cyclically within (hole, i].
    const bool home_after_hole = ((i - home) & mask_) >= ((i - hole) & mask_);
    if (home_after_hole) {
      slots_[hole] = slots_[i];
      slots_[i].used = false;
      hole = i;
    }
  }
}

bool NeighbourTable::age(size_t slot, uint64_t now_ns) {
  NeighbourEntry& e = slots_[slot];
  if (e.state == NeighbourState::Incomplete) {
    if (now_ns - e.created_at >= config_.incomplete_ns) {
      erase_slot(slot);
      ++counters_.expired;
      return false;
    }
    return true;
  }
  const uint64_t age = now_ns - e.learned_at;
  if (age >= config_.reachable_ns + config_.stale_ns) {
    erase_slot(slot);
    ++counters_.expired;
    return false;
  }
  e.state = age >= config_.reachable_ns ? NeighbourState::Stale : NeighbourState::Reachable;
  return true;
}

bool NeighbourTable::evict_one_expired(uint64_t now_ns) {
  // Only when the table is full: a full scan is the price of a rare event, paid without allocation.
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].used && !age(i, now_ns)) return true;
  }
  return false;
}

size_t NeighbourTable::insert_slot(const IpAddr& ip, uint64_t now_ns) {
  if (size_ >= config_.capacity && !evict_one_expired(now_ns)) {
    ++counters_.table_full;
    return kNone;
  }
  size_t i = ip.hash() & mask_;
  while (slots_[i].used) i = (i + 1) & mask_;
  slots_[i] = NeighbourEntry{};
  slots_[i].ip = ip;
  slots_[i].used = true;
  slots_[i].created_at = now_ns;
  ++size_;
  return i;
}

const NeighbourEntry* NeighbourTable::find(const IpAddr& ip, uint64_t now_ns) {
  const size_t slot = slot_of(ip);
  if (slot == kNone || !age(slot, now_ns)) return nullptr;
  return &slots_[slot];
}

std::optional<MacAddress> NeighbourTable::lookup(const IpAddr& ip, uint64_t now_ns) {
  const NeighbourEntry* e = find(ip, now_ns);
  if (e == nullptr || e->state == NeighbourState::Incomplete) return std::nullopt;
  return e->mac;
}

bool NeighbourTable::learn(const IpAddr& ip, const MacAddress& mac, uint64_t now_ns) {
  size_t slot = slot_of(ip);
  if (slot == kNone) slot = insert_slot(ip, now_ns);
  if (slot == kNone) return false;
  NeighbourEntry& e = slots_[slot];
  e.mac = mac;
  e.state = NeighbourState::Reachable;
  e.learned_at = now_ns;
  ++counters_.learned;
  return true;
}

bool NeighbourTable::needs_resolution(const IpAddr& ip, uint64_t now_ns) {
  size_t slot = slot_of(ip);
  if (slot != kNone && !age(slot, now_ns)) slot = kNone;
  if (slot == kNone) {
    slot = insert_slot(ip, now_ns);
    if (slot == kNone) return false;  // full of live entries: no state to rate-limit with, so no request
  }
  NeighbourEntry& e = slots_[slot];
  if (e.state == NeighbourState::Reachable) return false;
  if (e.has_requested && now_ns - e.requested_at < config_.request_interval_ns) return false;
  e.has_requested = true;
  e.requested_at = now_ns;
  ++counters_.requests;
  return true;
}

void NeighbourTable::forget(const IpAddr& ip) {
  const size_t slot = slot_of(ip);
  if (slot != kNone) erase_slot(slot);
}

}  // namespace sluice::dataplane
