#pragma once
// Internal: everything needed to expand one archive at one depth — the three format readers,
// their shared allocator and output window — built once and reused for every archive met at
// that depth. Dispatches to the reader of the format it was begun with.
#include <cstdint>
#include <string_view>
#include <vector>

#include "scan/archive/bzip2_reader.h"
#include "scan/archive/entry_output.h"
#include "scan/archive/gzip_reader.h"
#include "scan/archive/reusable_arena.h"
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
  ArchiveFormat format_ = ArchiveFormat::None;
};

}  // namespace sluice::archive
