// Event names, the bomb classification and format sniffing: the small pure functions of the
// public API.
#include "scan/archive/archive_expander.h"

namespace sluice::archive {

const char* archive_event_name(ArchiveEvent event) {
  switch (event) {
    case ArchiveEvent::OversizeLimit: return "oversize_limit";
    case ArchiveEvent::RatioLimit: return "ratio_limit";
    case ArchiveEvent::DepthLimit: return "depth_limit";
    case ArchiveEvent::EntryLimit: return "entry_limit";
    case ArchiveEvent::Encrypted: return "encrypted";
    case ArchiveEvent::Corrupt: return "corrupt";
    case ArchiveEvent::NameMismatch: return "name_mismatch";
    case ArchiveEvent::UnsupportedMethod: return "unsupported_method";
    case ArchiveEvent::StoredWithDescriptor: return "stored_with_descriptor";
    case ArchiveEvent::OverlappingEntries: return "overlapping_entries";
    case ArchiveEvent::TrailingData: return "trailing_data";
    case ArchiveEvent::TimeLimit: return "time_limit";
    case ArchiveEvent::BufferLimit: return "buffer_limit";
    case ArchiveEvent::DiskImage: return "disk_image";
  }
  return "unknown";
}

bool is_bomb(uint32_t events) {
  constexpr uint32_t kBombEvents =
      static_cast<uint32_t>(ArchiveEvent::OversizeLimit) |
      static_cast<uint32_t>(ArchiveEvent::RatioLimit) |
      static_cast<uint32_t>(ArchiveEvent::DepthLimit) |
      static_cast<uint32_t>(ArchiveEvent::EntryLimit) |
      static_cast<uint32_t>(ArchiveEvent::OverlappingEntries);
  return (events & kBombEvents) != 0;
}

ArchiveFormat detect_archive(std::string_view b) {
  // Zip: a local file header, or the end record alone (an empty zip).
  if (b.size() >= 4 && b[0] == 'P' && b[1] == 'K' &&
      ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6)))
    return ArchiveFormat::Zip;
  // gzip: magic plus method 8 (the only method RFC 1952 defines).
  if (b.size() >= 3 && static_cast<uint8_t>(b[0]) == 0x1f &&
      static_cast<uint8_t>(b[1]) == 0x8b && b[2] == 8)
    return ArchiveFormat::Gzip;
  // bzip2: "BZh" and the block size digit.
  if (b.size() >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9')
    return ArchiveFormat::Bzip2;
  // TNEF (winmail.dat): the signature 0x223E9F78, little-endian (MS-OXTNEF 2.1.3.1).
  if (b.starts_with(std::string_view("\x78\x9F\x3E\x22", 4))) return ArchiveFormat::Tnef;
  if (b.starts_with(std::string_view("7z\xBC\xAF\x27\x1C", 6))) return ArchiveFormat::SevenZip;
  // RAR 1.5-4.x ("Rar!\x1A\x07\x00") and RAR 5 ("Rar!\x1A\x07\x01\x00"); libarchive reads both.
  if (b.starts_with(std::string_view("Rar!\x1A\x07\x00", 7)) ||
      b.starts_with(std::string_view("Rar!\x1A\x07\x01\x00", 8)))
    return ArchiveFormat::Rar;
  // A dynamic VHD starts with a copy of its "conectix" footer; a fixed VHD has it only at the end
  // (not seen here). VHDX starts with its file type identifier.
  if (b.starts_with("conectix") || b.starts_with("vhdxfile")) return ArchiveFormat::DiskImage;
  // POSIX ustar ("ustar\0") and GNU tar ("ustar  \0") at 257; pre-POSIX v7 tar has no magic.
  if (b.size() >= 263 && b.substr(257, 5) == "ustar" && (b[262] == '\0' || b[262] == ' '))
    return ArchiveFormat::Tar;
  // ISO 9660 keeps its first 32 KiB (the system area) for boot code, zero in the images mailed as
  // .iso/.img; a hybrid ISO with an MBR there is not recognised (its raw bytes are still scanned).
  if (b.size() >= kArchiveSniffBytes &&
      b.substr(0, kArchiveSniffBytes).find_first_not_of('\0') == std::string_view::npos)
    return ArchiveFormat::Iso9660;
  return ArchiveFormat::None;
}

bool has_iso9660_volume_descriptor(std::string_view image) {
  for (const size_t at : {size_t{32769}, size_t{34817}, size_t{36865}}) {
    if (image.size() >= at + 5 && image.substr(at, 5) == "CD001") return true;
  }
  return false;
}

}  // namespace sluice::archive
