#include "scan/archive/archive_level.h"

namespace sluice::archive {

ArchiveLevel::ArchiveLevel(uint32_t depth, const ArchiveLimits& limits, EntryOutput& out)
    : window_(kExpansionWindowBytes),
      zip_(depth, limits.max_entries, out, arena_, window_),
      gzip_(depth, out, arena_, window_),
      bzip2_(depth, out, arena_, window_) {}

void ArchiveLevel::begin(ArchiveFormat format) {
  format_ = format;
  switch (format_) {
    case ArchiveFormat::Zip: zip_.begin(); break;
    case ArchiveFormat::Gzip: gzip_.begin(); break;
    case ArchiveFormat::Bzip2: bzip2_.begin(); break;
    case ArchiveFormat::None: break;
  }
}

void ArchiveLevel::feed(std::string_view bytes) {
  switch (format_) {
    case ArchiveFormat::Zip: zip_.feed(bytes); break;
    case ArchiveFormat::Gzip: gzip_.feed(bytes); break;
    case ArchiveFormat::Bzip2: bzip2_.feed(bytes); break;
    case ArchiveFormat::None: break;
  }
}

void ArchiveLevel::finish() {
  switch (format_) {
    case ArchiveFormat::Zip: zip_.finish(); break;
    case ArchiveFormat::Gzip: gzip_.finish(); break;
    case ArchiveFormat::Bzip2: bzip2_.finish(); break;
    case ArchiveFormat::None: break;
  }
  format_ = ArchiveFormat::None;
}

}  // namespace sluice::archive
