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

OooStore::OooStore(uint32_t max_bytes, uint32_t max_intervals)
    : pool_(max_bytes), max_intervals_(max_intervals) {
  intervals_.reserve(max_intervals);
  compaction_order_.reserve(max_intervals);
}

void OooStore::clear() {
  intervals_.clear();
  held_bytes_ = 0;
  pool_used_ = 0;
}

OooInsertResult OooStore::insert(uint32_t seq, std::string_view bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() > kMaxOfferBytes) return {.dropped = true};
  const Survey plan = survey(seq, bytes);
  OooInsertResult result = plan.result;
  if (result.new_bytes == 0) return result;
  if (uint64_t{held_bytes_} + result.new_bytes > pool_.size()) {
    result.dropped = true;
    return result;
  }
  if (uint64_t{pool_used_} + result.new_bytes > pool_.size()) compact_pool();
  const uint32_t intervals_needed = plan.new_pieces - pieces_absorbed_by_append(seq, bytes);
  if (intervals_.size() + intervals_needed > max_intervals_) {
    result.dropped = true;
    return result;
  }
  store_uncovered(seq, bytes);
  held_bytes_ += result.new_bytes;
  return result;
}

OooStore::Survey OooStore::survey(uint32_t seq, std::string_view bytes) const {
  Survey plan;
  walk_ranges(
      intervals_, seq, static_cast<uint32_t>(bytes.size()),
      [&](const Interval& held, uint32_t from, uint32_t length) {
        const char* kept = pool_.data() + held.pool_offset + (from - held.seq);
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
          std::memcpy(pool_.data() + pool_used_, piece.data(), length);
          intervals_[index - 1].length += length;
          pool_used_ += length;
          return 0;
        }
        store_piece(index, piece_seq, piece);
        return 1;
      });
}

// The list was reserved for max_intervals_ and insert() checked the count, so this
// insertion shifts elements but never reallocates.
void OooStore::store_piece(size_t index, uint32_t piece_seq, std::string_view piece) {
  std::memcpy(pool_.data() + pool_used_, piece.data(), piece.size());
  const auto length = static_cast<uint32_t>(piece.size());
  intervals_.insert(intervals_.begin() + static_cast<std::ptrdiff_t>(index),
                    Interval{piece_seq, length, pool_used_});
  pool_used_ += length;
}

// Bytes of delivered intervals leave holes in the pool; slide the live ones down, in
// pool order so every move goes left and memmove never overwrites unread bytes.
void OooStore::compact_pool() {
  compaction_order_.clear();
  for (uint32_t i = 0; i < intervals_.size(); ++i) compaction_order_.push_back(i);
  std::sort(compaction_order_.begin(), compaction_order_.end(), [&](uint32_t a, uint32_t b) {
    return intervals_[a].pool_offset < intervals_[b].pool_offset;
  });
  uint32_t write = 0;
  for (uint32_t index : compaction_order_) {
    Interval& interval = intervals_[index];
    if (interval.pool_offset != write) {
      std::memmove(pool_.data() + write, pool_.data() + interval.pool_offset, interval.length);
      interval.pool_offset = write;
    }
    write += interval.length;
  }
  pool_used_ = write;
}

std::string_view OooStore::front_bytes() const {
  const Interval& front = intervals_.front();
  return {pool_.data() + front.pool_offset, front.length};
}

void OooStore::pop_front() {
  held_bytes_ -= intervals_.front().length;
  intervals_.erase(intervals_.begin());
  if (intervals_.empty()) pool_used_ = 0;
}

}  // namespace sluice::reassembly
