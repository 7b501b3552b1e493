#include "scan/archive/zip_directory.h"

#include <algorithm>

#include "scan/archive/archive_expander.h"

namespace sluice::archive {

ZipDirectory::ZipDirectory(uint32_t capacity) : capacity_(capacity) {
  records_.reserve(capacity_);
}

void ZipDirectory::reset() {
  records_.clear();
  overflowed_ = false;
}

uint64_t ZipDirectory::hash_name(std::string_view name) {
  // FNV-1a 64 plus the stored length: enough to tell names apart without keeping them.
  uint64_t hash = 14695981039346656037ull;
  for (char c : name) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

void ZipDirectory::add_local(uint64_t header_offset, std::string_view name) {
  if (records_.size() >= capacity_) {
    overflowed_ = true;
    return;
  }
  records_.push_back({header_offset, header_offset, hash_name(name),
                      static_cast<uint32_t>(name.size()), false});
}

void ZipDirectory::close_local(uint64_t end_offset) {
  if (!overflowed_ && !records_.empty()) records_.back().end_offset = end_offset;
}

const ZipDirectory::LocalRecord* ZipDirectory::containing(uint64_t offset) const {
  // Records are sorted by header offset: the candidate is the last one starting before.
  auto after = std::upper_bound(records_.begin(), records_.end(), offset,
                                [](uint64_t off, const LocalRecord& r) { return off < r.header_offset; });
  if (after == records_.begin()) return nullptr;
  const LocalRecord& candidate = *(after - 1);
  return offset < candidate.end_offset ? &candidate : nullptr;
}

uint32_t ZipDirectory::check_central(uint64_t local_offset, std::string_view name) {
  auto it = std::lower_bound(records_.begin(), records_.end(), local_offset,
                             [](const LocalRecord& r, uint64_t off) { return r.header_offset < off; });
  if (it != records_.end() && it->header_offset == local_offset) {
    uint32_t events = 0;
    if (it->named_by_central) events |= static_cast<uint32_t>(ArchiveEvent::OverlappingEntries);
    it->named_by_central = true;
    if (it->name_len != name.size() || it->name_hash != hash_name(name))
      events |= static_cast<uint32_t>(ArchiveEvent::NameMismatch);
    return events;
  }
  // No local header streamed past here: inside another entry's bytes is Fifield's overlap;
  // anywhere else the directory describes an entry the stream never contained.
  if (containing(local_offset) != nullptr)
    return static_cast<uint32_t>(ArchiveEvent::OverlappingEntries);
  return overflowed_ ? 0 : static_cast<uint32_t>(ArchiveEvent::NameMismatch);
}

uint32_t ZipDirectory::check_end_record() {
  const bool all_named = std::all_of(records_.begin(), records_.end(),
                                     [](const LocalRecord& r) { return r.named_by_central; });
  return all_named ? 0 : static_cast<uint32_t>(ArchiveEvent::NameMismatch);
}

}  // namespace sluice::archive
