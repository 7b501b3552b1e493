#pragma once
// Internal: the narrow interface every format reader (zip, gzip, bzip2) reports to. The
// ExpansionRouter implements it: it sanitises names, enforces the budget, sniffs entries for
// nested archives and talks to the ArchiveSink. Readers only frame their format.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "scan/archive/archive_expander.h"

namespace sluice::archive {

// Expanded output is produced into a window of this size at a time; every limit is checked
// once per window, which bounds the work done between checks.
inline constexpr size_t kExpansionWindowBytes = 64u << 10;

class EntryOutput {
 public:
  virtual ~EntryOutput() = default;
  // false when the entry must not be expanded because expansion has stopped.
  virtual bool begin_entry(uint32_t depth, std::string_view raw_name) = 0;
  virtual void entry_data(uint32_t depth, std::string_view bytes) = 0;
  virtual void end_entry(uint32_t depth) = 0;
  virtual void flag(ArchiveEvent event) = 0;
  // true once a limit tripped: readers return at once and keep no promises about state.
  virtual bool stopped() const = 0;
};

}  // namespace sluice::archive
