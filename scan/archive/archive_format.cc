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
  return ArchiveFormat::None;
}

}  // namespace sluice::archive
