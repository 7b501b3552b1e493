// reassembly/ooo_store.h — bounded store for bytes that arrived out of order.
//
// Owns: the bytes received beyond a hole, kept as a sorted list of non-overlapping
// sequence intervals over one byte pool. Nothing is allocated until the first insert:
// most connections never see a segment out of order, so an idle or clean one costs
// nothing here. The pool then starts at `initial_bytes` and doubles (capped at
// max_bytes, the hard limit) when the held bytes would not fit; the interval list
// starts at kInitialIntervals and doubles up to max_intervals. Growth therefore happens
// at most log2(max / initial) times per connection, and once the store has grown to what
// the connection's losses need, inserts allocate nothing. trim() gives back what grew
// beyond the initial sizes while the store is empty (the endpoint's reset).
// Policy it enforces: first copy wins. A byte already held is never replaced; the store
// reports how many offered bytes were already held and whether any of them differed.
// An insertion that does not fit (bytes or intervals) stores nothing: all or nothing
// keeps the accounting simple and a real sender retransmits.
// May call: seq.h only. Reused by the live endpoint (issue 3) as its reassembly queue.
//
// Callers keep every held byte within 2^30 of each other (ReassemblyLimits clamps the
// window), so interval arithmetic on offsets from the lowest sequence is exact.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sluice::reassembly {

struct OooInsertResult {
  uint32_t new_bytes = 0;      // bytes stored that were not held before
  uint32_t overlap_bytes = 0;  // offered bytes that were already held (kept as they were)
  bool conflict = false;       // some already-held byte differed from the offered copy
  bool dropped = false;        // the new bytes did not fit; nothing was stored
};

class OooStore {
 public:
  static constexpr uint32_t kDefaultInitialBytes = 2 * 1024;
  static constexpr uint32_t kInitialIntervals = 8;

  OooStore(uint32_t max_bytes, uint32_t max_intervals, uint32_t initial_bytes = kDefaultInitialBytes);

  void clear();  // keeps the storage
  // Frees the pool and the interval list when the store is empty and they grew beyond their initial sizes.
  void trim();
  uint32_t max_bytes() const { return max_bytes_; }
  uint32_t allocated_bytes() const { return pool_size_; }  // pool storage held now (0 until the first insert)
  uint32_t allocated_intervals() const { return static_cast<uint32_t>(intervals_.capacity()); }
  bool empty() const { return intervals_.empty(); }
  uint32_t held_bytes() const { return held_bytes_; }
  uint32_t interval_count() const { return static_cast<uint32_t>(intervals_.size()); }
  // Sequence number of the lowest held byte. Precondition: !empty().
  uint32_t first_seq() const { return intervals_.front().seq; }
  // One past the highest held byte. Precondition: !empty().
  uint32_t end_seq() const { return intervals_.back().seq + intervals_.back().length; }

  OooInsertResult insert(uint32_t seq, std::string_view bytes);

  // The lowest interval's bytes; valid until the next insert() or pop_front().
  // Precondition: !empty().
  std::string_view front_bytes() const;
  // Sequence range [*start, *end) of held interval i (0 <= i < interval_count()), in sequence order. Adjacent
  // intervals may touch (bytes stored apart in the pool): a SACK writer merges them.
  void interval(uint32_t i, uint32_t* start, uint32_t* end) const {
    *start = intervals_[i].seq;
    *end = intervals_[i].seq + intervals_[i].length;
  }
  void pop_front();

 private:
  struct Interval {
    uint32_t seq;          // sequence number of the first byte
    uint32_t length;       // bytes held, contiguous in sequence space and in the pool
    uint32_t pool_offset;  // where they are in pool_
  };
  struct Survey {  // what an insertion would do, computed before anything changes
    OooInsertResult result;
    uint32_t new_pieces = 0;  // uncovered ranges of the offered bytes
  };

  Survey survey(uint32_t seq, std::string_view bytes) const;
  bool extends_last_written(size_t interval_index, uint32_t piece_seq) const;
  uint32_t pieces_absorbed_by_append(uint32_t seq, std::string_view bytes) const;
  void store_uncovered(uint32_t seq, std::string_view bytes);
  void store_piece(size_t index, uint32_t piece_seq, std::string_view piece);
  void compact_pool();
  void grow_pool(uint32_t bytes);
  void reserve_intervals(size_t count);

  std::unique_ptr<char[]> pool_;
  uint32_t pool_size_ = 0;                 // bytes allocated in pool_
  std::vector<Interval> intervals_;        // sorted by seq, never overlapping
  std::vector<uint32_t> compaction_order_; // scratch for compact_pool(), grown with intervals_
  uint32_t max_bytes_;
  uint32_t max_intervals_;
  uint32_t initial_bytes_;
  uint32_t held_bytes_ = 0;
  uint32_t pool_used_ = 0;  // bump pointer: bytes of pool_ written since the last compaction
};

}  // namespace sluice::reassembly
