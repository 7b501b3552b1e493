#include "scan/archive/expansion_router.h"

#include <algorithm>
#include <cstring>
#include <x86intrin.h>

namespace sluice::archive {

ExpansionRouter::ExpansionRouter(const ArchiveLimits& limits, ArchiveSink& sink)
    : limits_(limits), sink_(sink) {
  limits_.max_depth = std::min(limits_.max_depth, kMaxSupportedDepth);
  levels_.reserve(limits_.max_depth);
  for (uint32_t depth = 1; depth <= limits_.max_depth; ++depth)
    levels_.push_back(std::make_unique<ArchiveLevel>(depth, limits_, *this));
  open_.resize(limits_.max_depth);
  name_.reserve(limits_.max_name_bytes);
}

ArchiveFormat ExpansionRouter::expandable(ArchiveFormat format) const {
  return format == ArchiveFormat::Bzip2 && !limits_.scan_bzip2 ? ArchiveFormat::None : format;
}

void ExpansionRouter::begin(ArchiveFormat format) {
  events_ = 0;
  expanded_ = 0;
  compressed_ = 0;
  entries_ = 0;
  since_deadline_check_ = 0;
  stopped_ = false;
  std::fill(open_.begin(), open_.end(), OpenEntry{});
  format = expandable(format);
  if (format == ArchiveFormat::DiskImage) flag(ArchiveEvent::DiskImage);  // VHD/VHDX: no reader
  active_ = format != ArchiveFormat::None && format != ArchiveFormat::DiskImage;
  if (!active_) return;
  if (levels_.empty()) return stop(ArchiveEvent::DepthLimit);  // max_depth 0: no archives
  levels_[0]->begin(format);
}

void ExpansionRouter::feed(std::string_view compressed) {
  if (!active_ || stopped_) return;
  if (deadline_passed()) return stop(ArchiveEvent::TimeLimit);  // e.g. spent by the scan before us
  compressed_ += compressed.size();
  levels_[0]->feed(compressed);
}

void ExpansionRouter::finish() {
  if (active_ && !stopped_) levels_[0]->finish();
  active_ = false;
}

bool ExpansionRouter::begin_entry(uint32_t depth, std::string_view raw_name) {
  if (stopped_) return false;
  if (entries_ >= limits_.max_entries) {
    stop(ArchiveEvent::EntryLimit);
    return false;
  }
  ++entries_;
  // Names reach logs and verdicts: no control bytes, bounded length (capacity reserved).
  name_.clear();
  for (char c : raw_name.substr(0, limits_.max_name_bytes)) {
    const auto byte = static_cast<uint8_t>(c);
    name_.push_back(byte < 0x20 || byte == 0x7f ? '_' : c);
  }
  OpenEntry& entry = entry_at(depth);
  entry = OpenEntry{};
  entry.open = true;
  sink_.on_entry_begin(depth, name_);
  return true;
}

void ExpansionRouter::entry_data(uint32_t depth, std::string_view bytes) {
  if (stopped_) return;
  OpenEntry& entry = entry_at(depth);
  if (!entry.sniffed) {
    // Hold the first few bytes (at most kArchiveSniffBytes) until they can say whether the
    // entry is an archive; they are delivered, in order, right after.
    const size_t take = std::min(kArchiveSniffBytes - entry.sniff_len, bytes.size());
    std::memcpy(entry.sniff.data() + entry.sniff_len, bytes.data(), take);
    entry.sniff_len += take;
    bytes.remove_prefix(take);
    if (entry.sniff_len < kArchiveSniffBytes) return;
    sniff_nested(depth, entry);
    if (stopped_) return;
  }
  if (!bytes.empty()) deliver(depth, bytes);
}

void ExpansionRouter::end_entry(uint32_t depth) {
  if (stopped_) return;  // stop() has ended every open entry already
  OpenEntry& entry = entry_at(depth);
  if (!entry.open) return;
  if (!entry.sniffed) {
    sniff_nested(depth, entry);  // a short entry: decide on what there is
    if (stopped_) return;
  }
  if (entry.expands) {
    levels_[depth]->finish();  // ends the nested entries before this one
    if (stopped_) return;
    entry.expands = false;
  }
  entry.open = false;
  sink_.on_entry_end(depth);
}

void ExpansionRouter::sniff_nested(uint32_t depth, OpenEntry& entry) {
  entry.sniffed = true;
  const ArchiveFormat nested = expandable(detect_archive({entry.sniff.data(), entry.sniff_len}));
  if (nested == ArchiveFormat::DiskImage) flag(ArchiveEvent::DiskImage);  // VHD/VHDX: no reader
  // An ISO candidate is only "starts with zeros": past max_depth it is not worth a DepthLimit (a
  // bomb verdict); its raw bytes are still scanned at this depth.
  const bool unconfirmed = nested == ArchiveFormat::Iso9660 && depth >= limits_.max_depth;
  if (nested != ArchiveFormat::None && nested != ArchiveFormat::DiskImage && !unconfirmed) {
    if (depth >= limits_.max_depth) return stop(ArchiveEvent::DepthLimit);
    levels_[depth]->begin(nested);
    entry.expands = true;
  }
  if (entry.sniff_len > 0) deliver(depth, {entry.sniff.data(), entry.sniff_len});
}

void ExpansionRouter::deliver(uint32_t depth, std::string_view bytes) {
  // Invariant: expanded_ <= uncompressed_oversize_limit, so room never underflows.
  const uint64_t room = limits_.uncompressed_oversize_limit - expanded_;
  const bool oversize = bytes.size() > room;
  if (oversize) bytes = bytes.substr(0, static_cast<size_t>(room));
  const uint64_t after = expanded_ + bytes.size();
  if (limits_.max_ratio != 0 && after > limits_.ratio_floor_bytes &&
      after / limits_.max_ratio > compressed_)
    return stop(ArchiveEvent::RatioLimit);
  expanded_ = after;
  if (!bytes.empty()) {
    sink_.on_entry_data(depth, bytes);  // raw at this depth first, then expanded below
    if (entry_at(depth).expands) levels_[depth]->feed(bytes);
  }
  if (oversize) return stop(ArchiveEvent::OversizeLimit);
  count_toward_deadline_check(bytes.size());
}

bool ExpansionRouter::deadline_passed() const {
  return deadline_tsc_ != 0 && __rdtsc() >= deadline_tsc_;
}

// Called after the bytes went to the sink and to the level below, so the time charged covers
// the inflating and the scanning they caused; nested levels count their own output as well.
void ExpansionRouter::count_toward_deadline_check(uint64_t bytes) {
  if (deadline_tsc_ == 0 || stopped_) return;
  since_deadline_check_ += bytes;
  if (since_deadline_check_ < kDeadlineCheckBytes) return;
  since_deadline_check_ = 0;
  if (deadline_passed()) stop(ArchiveEvent::TimeLimit);
}

void ExpansionRouter::stop(ArchiveEvent reason) {
  flag(reason);
  if (stopped_) return;
  stopped_ = true;
  // Keep the sink's begin/end pairs balanced: innermost first.
  for (auto depth = static_cast<uint32_t>(open_.size()); depth >= 1; --depth) {
    OpenEntry& entry = entry_at(depth);
    if (!entry.open) continue;
    entry.open = false;
    sink_.on_entry_end(depth);
  }
}

}  // namespace sluice::archive
