// reassembly/delivered_history.cc — ring buffer of recently delivered bytes.
#include "reassembly/delivered_history.h"

#include <algorithm>

namespace sluice::reassembly {

DeliveredHistory::DeliveredHistory(uint32_t capacity) : ring_(capacity) {}

void DeliveredHistory::clear() {
  held_ = 0;
  write_pos_ = 0;
}

void DeliveredHistory::record(std::string_view delivered) {
  const auto capacity = static_cast<uint32_t>(ring_.size());
  if (capacity == 0) return;
  // Only the tail can survive in the ring; skip what would be overwritten anyway.
  if (delivered.size() > capacity) delivered.remove_prefix(delivered.size() - capacity);
  for (char byte : delivered) {
    ring_[write_pos_] = byte;
    write_pos_ = (write_pos_ + 1) % capacity;
  }
  held_ = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{held_} + delivered.size(), capacity));
}

bool DeliveredHistory::differs(uint32_t seq, std::string_view bytes, uint32_t next_seq) const {
  const auto capacity = static_cast<uint32_t>(ring_.size());
  for (uint32_t i = 0; i < bytes.size(); ++i) {
    const uint32_t distance_back = next_seq - (seq + i);  // 1 for the last delivered byte
    if (distance_back == 0 || distance_back > held_) continue;
    const uint32_t slot = (write_pos_ + capacity - distance_back) % capacity;
    if (ring_[slot] != bytes[i]) return true;
  }
  return false;
}

}  // namespace sluice::reassembly
