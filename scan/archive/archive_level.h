#pragma once
// Internal: everything needed to expand one archive at one depth — the format readers, their
// shared allocator and output window, and the bounded buffer of the formats read with libarchive
// (BufferedArchive; tar is streamed by TarWalker) — built once and reused for every archive met
// at that depth. Dispatches to the reader of the format it was begun with.
#include <cstdint>
#include <string_view>
#include <vector>

#include "scan/archive/buffered_archive.h"
#include "scan/archive/bzip2_reader.h"
#include "scan/archive/entry_output.h"
#include "scan/archive/gzip_reader.h"
#include "scan/archive/reusable_arena.h"
#include "scan/archive/tar_walker.h"
#include "scan/archive/tnef_walker.h"
#include "scan/archive/zip_walker.h"

namespace sluice::archive {

class ArchiveLevel {
 public:
  ArchiveLevel(uint32_t depth, const ArchiveLimits& limits, EntryOutput& out);

  void begin(ArchiveFormat format);
  void feed(std::string_view bytes);
  void finish();

 private:
  ReusableArena arena_;          // declared before the readers: they allocate from it
  std::vector<char> window_;     // kExpansionWindowBytes, shared: one format per archive
  ZipWalker zip_;
  GzipReader gzip_;
  Bzip2Reader bzip2_;
  TarWalker tar_;
  BufferedArchive buffered_;  // 7z, RAR, ISO 9660
  TnefWalker tnef_;           // winmail.dat
  ArchiveFormat format_ = ArchiveFormat::None;
};

}  // namespace sluice::archive
