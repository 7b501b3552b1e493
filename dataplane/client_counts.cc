// dataplane/client_counts.cc — the per-client session counts (see client_counts.h).
#include "dataplane/client_counts.h"

#include <bit>
#include <cstring>

#include "reassembly/syn_cookie.h"

namespace sluice::dataplane {

IpAddr client_key(const IpAddr& client, unsigned v6_prefix) {
  if (client.is_v4() || v6_prefix >= 128) return client;
  IpAddr key = client;
  const unsigned whole = v6_prefix / 8;
  if (v6_prefix % 8 != 0) key.bytes[whole] &= static_cast<uint8_t>(0xff00u >> (v6_prefix % 8));
  for (unsigned i = whole + (v6_prefix % 8 != 0 ? 1 : 0); i < 16; ++i) key.bytes[i] = 0;
  return key;
}

void ClientConnectionCounts::init(uint32_t max_sessions, const uint8_t hash_key[16]) {
  if (max_sessions == 0) {   // no limit: no table, and add/remove/count do nothing
    slots_.clear();
    used_ = 0;
    return;
  }
  const size_t size = std::bit_ceil(static_cast<size_t>(max_sessions) * 2 + 2);
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  used_ = 0;
  std::memcpy(hash_key_, hash_key, sizeof hash_key_);
}

size_t ClientConnectionCounts::home(const IpAddr& key) const {
  return reassembly::siphash24(hash_key_, key.data(), 16) & mask_;
}

size_t ClientConnectionCounts::find(const IpAddr& key) const {
  size_t i = home(key);
  while (slots_[i].count != 0 && !(slots_[i].key == key)) i = (i + 1) & mask_;
  return i;
}

uint32_t ClientConnectionCounts::count(const IpAddr& key) const {
  return slots_.empty() ? 0 : slots_[find(key)].count;
}

void ClientConnectionCounts::add(const IpAddr& key) {
  if (slots_.empty()) return;
  Slot& slot = slots_[find(key)];
  if (slot.count == 0) {
    slot.key = key;
    ++used_;
  }
  ++slot.count;
}

void ClientConnectionCounts::remove(const IpAddr& key) {
  if (slots_.empty()) return;
  size_t hole = find(key);
  if (slots_[hole].count == 0) return;
  if (--slots_[hole].count != 0) return;
  --used_;
  // Backward-shift deletion (Knuth 6.4, algorithm R): move later members of the run into the hole when their
  // home slot does not lie cyclically between the hole and where they sit, so every key stays reachable.
  for (size_t next = (hole + 1) & mask_; slots_[next].count != 0; next = (next + 1) & mask_) {
    const size_t want = home(slots_[next].key);
    const bool reachable_without_move = ((next - want) & mask_) < ((next - hole) & mask_);
    if (reachable_without_move) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole].count = 0;
}

}  // namespace sluice::dataplane
