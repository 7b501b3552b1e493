#pragma once
// Internal: the formats that cannot be walked as they stream — 7z (its header is at the end),
// RAR 4 and 5 (codecs we do not have), ISO 9660 (directories anywhere in the image) —
// collected into one bounded buffer per depth and read with libarchive from memory at finish().
// Every regular-file member goes to EntryOutput like a zip entry (begin, data in windows of at
// most kExpansionWindowBytes, end), so the router's limits, sniffing and deadline apply as for
// the streaming formats. Owns: the buffer, its cap (max_buffered_bytes -> BufferLimit), the ISO
// candidate decision (CD001 at 32769/34817/36865 -> DiskImage, else not an archive) and the
// mapping of libarchive's results to events. May call: libarchive (read side, from memory only)
// and EntryOutput.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scan/archive/entry_output.h"

struct archive;

namespace sluice::archive {

class BufferedArchive {
 public:
  BufferedArchive(uint32_t depth, uint64_t max_buffered_bytes, EntryOutput& out, std::span<char> window);

  // format: SevenZip, Rar or Iso9660 (a candidate until its volume descriptors are seen).
  void begin(ArchiveFormat format);
  void feed(std::string_view bytes);
  void finish();  // reads the members; the buffer is cleared, its capacity kept

 private:
  enum class State {
    Collecting,   // bytes appended to buffer_
    Ignoring,     // over the cap, or a candidate that turned out not to be an ISO: the rest is dropped
  };

  void decide_iso_candidate();
  void read_members();
  // Reads the current member's bytes into the window and hands them on; false when the walk must stop.
  bool copy_member_data(struct ::archive* reader);
  bool enable_format(struct ::archive* reader) const;

  uint32_t depth_;
  uint64_t max_buffered_bytes_;
  EntryOutput& out_;
  std::span<char> window_;
  std::string buffer_;  // one per depth, reused: capacity kept between archives
  ArchiveFormat format_ = ArchiveFormat::None;
  State state_ = State::Ignoring;
  bool iso_confirmed_ = false;
};

}  // namespace sluice::archive
