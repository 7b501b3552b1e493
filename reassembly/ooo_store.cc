// reassembly/ooo_store.cc — interval bookkeeping and the byte pool of OooStore.
#include "reassembly/ooo_store.h"

#include <algorithm>
#include <cstring>

#include "reassembly/seq.h"

namespace sluice::reassembly {
namespace {

// Larger offers cannot be placed unambiguously in sequence space (see seq.h).
constexpr uint64_t kMaxOfferBytes = 1u << 30;

// Visits [seq, seq + length) from low to high as alternating runs: parts already held by
// an interval (on_held) and uncovered pieces (on_uncovered). on_uncovered receives the
// index at which a new interval would go and returns how many it inserted there, so the
// walk stays correct while the caller edits the list.
template <typename Intervals, typename OnHeld, typename OnUncovered>
void walk_ranges(Intervals& intervals, uint32_t seq, uint32_t length, OnHeld on_held,
                 OnUncovered on_uncovered) {
  const uint32_t end = seq + length;
  size_t i = 0;
  while (i < intervals.size() && seq_leq(intervals[i].seq + intervals[i].length, seq)) ++i;
  uint32_t cursor = seq;
  while (seq_lt(cursor, end)) {
    if (i < intervals.size() && seq_leq(intervals[i].seq, cursor)) {
      const uint32_t held_end = intervals[i].seq + intervals[i].length;
      const uint32_t stop = seq_lt(held_end, end) ? held_end : end;
      on_held(intervals[i], cursor, stop - cursor);
      cursor = stop;
      ++i;
    } else {
      const bool next_starts_inside = i < intervals.size() && seq_lt(intervals[i].seq, end);
      const uint32_t stop = next_starts_inside ? intervals[i].seq : end;
      i += on_uncovered(i, cursor, stop - cursor);
      cursor = stop;
    }
  }
}

}  // namespace

OooStore::OooStore(uint32_t max_bytes, uint32_t max_intervals, uint32_t initial_bytes)
    : max_bytes_(max_bytes),
      max_intervals_(max_intervals),
      initial_bytes_(std::clamp<uint32_t>(initial_bytes, 1, std::max<uint32_t>(max_bytes, 1))) {}

void OooStore::clear() {
  intervals_.clear();
  held_bytes_ = 0;
  pool_used_ = 0;
}

void OooStore::trim() {
  if (!intervals_.empty()) return;
  pool_used_ = 0;
  if (pool_size_ > initial_bytes_) {
    pool_.reset();
    pool_size_ = 0;
  }
  if (intervals_.capacity() > kInitialIntervals) {
    std::vector<Interval>().swap(intervals_);
    std::vector<uint32_t>().swap(compaction_order_);
  }
}

// Doubles from initial_bytes_ (or the current size) until `bytes` fit, capped at max_bytes_; the live intervals
// move to the new pool packed from offset 0, as compact_pool() would leave them.
void OooStore::grow_pool(uint32_t bytes) {
  uint64_t target = std::max(pool_size_, initial_bytes_);
  while (target < bytes) target *= 2;
  const auto size = static_cast<uint32_t>(std::min<uint64_t>(target, max_bytes_));
  std::unique_ptr<char[]> grown(new char[size]);
  uint32_t write = 0;
  for (Interval& interval : intervals_) {
    std::memcpy(grown.get() + write, pool_.get() + interval.pool_offset, interval.length);
    interval.pool_offset = write;
    write += interval.length;
  }
  pool_ = std::move(grown);
  pool_size_ = size;
  pool_used_ = write;
}

// Doubling from kInitialIntervals keeps std::vector from choosing the growth, and the bound is max_intervals_.
void OooStore::reserve_intervals(size_t count) {
  if (count <= intervals_.capacity()) return;
  size_t target = std::max<size_t>(intervals_.capacity(), kInitialIntervals);
  while (target < count) target *= 2;
  intervals_.reserve(std::min<size_t>(target, max_intervals_));
}

OooInsertResult OooStore::insert(uint32_t seq, std::string_view bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() > kMaxOfferBytes) return {.dropped = true};
  const Survey plan = survey(seq, bytes);
  OooInsertResult result = plan.result;
  if (result.new_bytes == 0) return result;
  if (uint64_t{held_bytes_} + result.new_bytes > max_bytes_) {
    result.dropped = true;
    return result;
  }
  if (uint64_t{pool_used_} + result.new_bytes > pool_size_) {
    if (held_bytes_ + result.new_bytes > pool_size_) {
      grow_pool(held_bytes_ + result.new_bytes);
    } else {
      compact_pool();
    }
  }
  // Counted after the pool moved: appending in place depends on where the last interval now sits in it.
  const uint32_t intervals_needed = plan.new_pieces - pieces_absorbed_by_append(seq, bytes);
  if (intervals_.size() + intervals_needed > max_intervals_) {
    result.dropped = true;
    return result;
  }
  reserve_intervals(intervals_.size() + intervals_needed);
  store_uncovered(seq, bytes);
  held_bytes_ += result.new_bytes;
  return result;
}

OooStore::Survey OooStore::survey(uint32_t seq, std::string_view bytes) const {
  Survey plan;
  walk_ranges(
      intervals_, seq, static_cast<uint32_t>(bytes.size()),
      [&](const Interval& held, uint32_t from, uint32_t length) {
        const char* kept = pool_.get() + held.pool_offset + (from - held.seq);
        const char* offered = bytes.data() + (from - seq);
        plan.result.overlap_bytes += length;
        if (std::memcmp(kept, offered, length) != 0) plan.result.conflict = true;
      },
      [&](size_t, uint32_t, uint32_t length) -> size_t {
        plan.result.new_bytes += length;
        ++plan.new_pieces;
        return 0;
      });
  return plan;
}

// The common case after a hole: segments keep arriving in order behind it. Extending
// the interval written last, in place, keeps them in one interval instead of one each.
bool OooStore::extends_last_written(size_t interval_index, uint32_t piece_seq) const {
  const Interval& before = intervals_[interval_index];
  return before.seq + before.length == piece_seq &&
         before.pool_offset + before.length == pool_used_;
}

// Only the first uncovered piece may extend in place: once it is written, the bump
// pointer has moved past every other interval.
uint32_t OooStore::pieces_absorbed_by_append(uint32_t seq, std::string_view bytes) const {
  uint32_t absorbed = 0;
  bool first_piece = true;
  walk_ranges(
      intervals_, seq, static_cast<uint32_t>(bytes.size()),
      [](const Interval&, uint32_t, uint32_t) {},
      [&](size_t index, uint32_t piece_seq, uint32_t) -> size_t {
        if (first_piece && index > 0 && extends_last_written(index - 1, piece_seq)) absorbed = 1;
        first_piece = false;
        return 0;
      });
  return absorbed;
}

void OooStore::store_uncovered(uint32_t seq, std::string_view bytes) {
  bool first_piece = true;
  walk_ranges(
      intervals_, seq, static_cast<uint32_t>(bytes.size()),
      [](const Interval&, uint32_t, uint32_t) {},
      [&](size_t index, uint32_t piece_seq, uint32_t length) -> size_t {
        const std::string_view piece = bytes.substr(piece_seq - seq, length);
        const bool append = first_piece && index > 0 && extends_last_written(index - 1, piece_seq);
        first_piece = false;
        if (append) {
          std::memcpy(pool_.get() + pool_used_, piece.data(), length);
          intervals_[index - 1].length += length;
          pool_used_ += length;
          return 0;
        }
        store_piece(index, piece_seq, piece);
        return 1;
      });
}

// insert() reserved room for every interval this insertion adds, so this shifts elements
// but never reallocates.
void OooStore::store_piece(size_t index, uint32_t piece_seq, std::string_view piece) {
  std::memcpy(pool_.get() + pool_used_, piece.data(), piece.size());
  const auto length = static_cast<uint32_t>(piece.size());
  intervals_.insert(intervals_.begin() + static_cast<std::ptrdiff_t>(index),
                    Interval{piece_seq, length, pool_used_});
  pool_used_ += length;
}

// Bytes of delivered intervals leave holes in the pool; slide the live ones down, in
// pool order so every move goes left and memmove never overwrites unread bytes.
void OooStore::compact_pool() {
  compaction_order_.clear();
  compaction_order_.reserve(intervals_.capacity());  // no-op unless the interval list grew since
  for (uint32_t i = 0; i < intervals_.size(); ++i) compaction_order_.push_back(i);
  std::sort(compaction_order_.begin(), compaction_order_.end(), [&](uint32_t a, uint32_t b) {
    return intervals_[a].pool_offset < intervals_[b].pool_offset;
  });
  uint32_t write = 0;
  for (uint32_t index : compaction_order_) {
    Interval& interval = intervals_[index];
    if (interval.pool_offset != write) {
      std::memmove(pool_.get() + write, pool_.get() + interval.pool_offset, interval.length);
      interval.pool_offset = write;
    }
    write += interval.length;
  }
  pool_used_ = write;
}

std::string_view OooStore::front_bytes() const {
  const Interval& front = intervals_.front();
  return {pool_.get() + front.pool_offset, front.length};
}

void OooStore::pop_front() {
  held_bytes_ -= intervals_.front().length;
  intervals_.erase(intervals_.begin());
  if (intervals_.empty()) pool_used_ = 0;
}

}  // namespace sluice::reassembly
