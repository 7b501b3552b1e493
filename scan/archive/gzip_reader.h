#pragma once
// Internal: expands a gzip stream (RFC 1952) as it streams in, every concatenated member an
// entry named by its FNAME. zlib parses the member header and checks the trailer CRC; this
// file decides where entries begin and end and what bytes after a member mean.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "scan/archive/entry_output.h"
#include "scan/archive/zlib_inflater.h"

namespace sluice::archive {

class GzipReader {
 public:
  GzipReader(uint32_t depth, EntryOutput& out, ReusableArena& arena, std::span<char> window);

  void begin();
  void feed(std::string_view bytes);
  void finish();

 private:
  void start_member();
  void end_member(bool corrupt);

  // FNAME bytes kept for the entry name; longer names are cut (the router cuts again to
  // max_name_bytes). One byte stays for zlib's terminating zero.
  static constexpr size_t kNameCapacity = 1024;

  uint32_t depth_;
  EntryOutput& out_;
  std::span<char> window_;
  ZlibInflater inflater_;
  gz_header header_{};
  std::array<char, kNameCapacity> name_{};
  bool member_started_ = false;  // bytes of the current member were consumed
  bool entry_open_ = false;
  bool skip_rest_ = false;
  uint32_t members_done_ = 0;
};

}  // namespace sluice::archive
