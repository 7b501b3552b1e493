#include "scan/archive/archive_level.h"

namespace sluice::archive {

ArchiveLevel::ArchiveLevel(uint32_t depth, const ArchiveLimits& limits, EntryOutput& out)
    : window_(kExpansionWindowBytes),
      zip_(depth, limits.max_entries, out, arena_, window_),
      gzip_(depth, out, arena_, window_),
      bzip2_(depth, out, arena_, window_),
      tar_(depth, out),
      buffered_(depth, limits.max_buffered_bytes, out, window_),
      tnef_(depth, out) {}

void ArchiveLevel::begin(ArchiveFormat format) {
  format_ = format;
  switch (format_) {
    case ArchiveFormat::Zip: zip_.begin(); break;
    case ArchiveFormat::Gzip: gzip_.begin(); break;
    case ArchiveFormat::Bzip2: bzip2_.begin(); break;
    case ArchiveFormat::Tar: tar_.begin(); break;
    case ArchiveFormat::SevenZip:
    case ArchiveFormat::Rar:
    case ArchiveFormat::Iso9660: buffered_.begin(format_); break;
    case ArchiveFormat::DiskImage: break;  // VHD/VHDX: flagged by the router, no reader
    case ArchiveFormat::Tnef: tnef_.begin(); break;
    case ArchiveFormat::None: break;
  }
}

void ArchiveLevel::feed(std::string_view bytes) {
  switch (format_) {
    case ArchiveFormat::Zip: zip_.feed(bytes); break;
    case ArchiveFormat::Gzip: gzip_.feed(bytes); break;
    case ArchiveFormat::Bzip2: bzip2_.feed(bytes); break;
    case ArchiveFormat::Tar: tar_.feed(bytes); break;
    case ArchiveFormat::SevenZip:
    case ArchiveFormat::Rar:
    case ArchiveFormat::Iso9660: buffered_.feed(bytes); break;
    case ArchiveFormat::DiskImage: break;
    case ArchiveFormat::Tnef: tnef_.feed(bytes); break;
    case ArchiveFormat::None: break;
  }
}

void ArchiveLevel::finish() {
  switch (format_) {
    case ArchiveFormat::Zip: zip_.finish(); break;
    case ArchiveFormat::Gzip: gzip_.finish(); break;
    case ArchiveFormat::Bzip2: bzip2_.finish(); break;
    case ArchiveFormat::Tar: tar_.finish(); break;
    case ArchiveFormat::SevenZip:
    case ArchiveFormat::Rar:
    case ArchiveFormat::Iso9660: buffered_.finish(); break;
    case ArchiveFormat::DiskImage: break;
    case ArchiveFormat::Tnef: tnef_.finish(); break;
    case ArchiveFormat::None: break;
  }
  format_ = ArchiveFormat::None;
}

}  // namespace sluice::archive
