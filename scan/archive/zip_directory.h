#pragma once
// Internal: what one zip walk remembers about the local headers it streamed past, so that the
// central directory, when it arrives, can be checked against them. Bounded: at most
// `capacity` records, each a fixed-size (offset, span end, name hash) — names themselves are
// not stored. Returns ArchiveEvent bits; raises nothing itself.
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::archive {

class ZipDirectory {
 public:
  explicit ZipDirectory(uint32_t capacity);

  void reset();  // a new zip walk (also a concatenated one)
  // Offsets are relative to the start of the zip being walked and arrive in increasing order.
  void add_local(uint64_t header_offset, std::string_view name);
  void close_local(uint64_t end_offset);  // end of the last added entry's bytes
  uint32_t check_central(uint64_t local_offset, std::string_view name);
  uint32_t check_end_record();  // local entries no central record named

 private:
  struct LocalRecord {
    uint64_t header_offset;
    uint64_t end_offset;
    uint64_t name_hash;
    uint32_t name_len;
    bool named_by_central;
  };
  static uint64_t hash_name(std::string_view name);
  const LocalRecord* containing(uint64_t offset) const;

  uint32_t capacity_;
  bool overflowed_ = false;  // more locals than capacity: unmatched offsets prove nothing
  std::vector<LocalRecord> records_;  // reserved once to capacity_
};

}  // namespace sluice::archive
