// reassembly/delivered_history.h — the most recent bytes a stream delivered.
//
// Owns: a fixed ring of the last N delivered bytes of one direction, allocated once.
// Why: bytes that were delivered are gone from the reassembly queue, yet a retransmission
// of them with different content (THREATS TCP-2) must still be detected and counted.
// Retransmitted bytes older than the ring cannot be checked and are simply not compared.
// May call: nothing outside the standard library.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::reassembly {

class DeliveredHistory {
 public:
  explicit DeliveredHistory(uint32_t capacity);

  void clear();
  void record(std::string_view delivered);
  // True when any byte of `bytes`, which starts at `seq` and ends at or before
  // `next_seq` (the sequence number after the last delivered byte), is still in the ring
  // and differs from it.
  bool differs(uint32_t seq, std::string_view bytes, uint32_t next_seq) const;

 private:
  std::vector<char> ring_;
  uint32_t held_ = 0;        // valid bytes in ring_, at most its size
  uint32_t write_pos_ = 0;   // where the next delivered byte goes
};

}  // namespace sluice::reassembly
