#pragma once
// Internal: the engine behind ArchiveExpander. Receives every entry from the format readers
// of every depth, sanitises names, keeps the expansion budget (bytes, ratio, depth, entries,
// the caller's deadline: every byte any reader produces passes through deliver(), so this is
// the one place that bounds work between checks for zip, gzip and bzip2 alike),
// sniffs each entry's first bytes (kArchiveSniffBytes, 264) for a nested archive and feeds it to
// the next level, and is the only part that calls the ArchiveSink. Entries of the buffered formats
// (7z, RAR, tar, ISO) reach it from the level's finish(), through the same calls as zip entries.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/archive/archive_expander.h"
#include "scan/archive/archive_level.h"
#include "scan/archive/entry_output.h"

namespace sluice::archive {

class ExpansionRouter final : public EntryOutput {
 public:
  ExpansionRouter(const ArchiveLimits& limits, ArchiveSink& sink);

  void begin(ArchiveFormat format);
  void feed(std::string_view compressed);
  void finish();
  void set_deadline_tsc(uint64_t deadline_tsc) { deadline_tsc_ = deadline_tsc; }

  uint32_t events() const { return events_; }
  uint64_t expanded_bytes() const { return expanded_; }
  uint32_t entries() const { return entries_; }

  // EntryOutput
  bool begin_entry(uint32_t depth, std::string_view raw_name) override;
  void entry_data(uint32_t depth, std::string_view bytes) override;
  void end_entry(uint32_t depth) override;
  void flag(ArchiveEvent event) override { events_ |= static_cast<uint32_t>(event); }
  bool stopped() const override { return stopped_; }

 private:
  // The one open entry at a depth, while its first bytes decide whether it is an archive.
  struct OpenEntry {
    bool open = false;
    bool sniffed = false;
    bool expands = false;  // its bytes also feed the level below
    size_t sniff_len = 0;
    std::array<char, kArchiveSniffBytes> sniff{};
  };

  void sniff_nested(uint32_t depth, OpenEntry& entry);
  void deliver(uint32_t depth, std::string_view bytes);
  void stop(ArchiveEvent reason);
  bool deadline_passed() const;
  void count_toward_deadline_check(uint64_t bytes);
  ArchiveFormat expandable(ArchiveFormat format) const;
  OpenEntry& entry_at(uint32_t depth) { return open_[depth - 1]; }

  ArchiveLimits limits_;
  ArchiveSink& sink_;
  std::vector<std::unique_ptr<ArchiveLevel>> levels_;  // [d-1] expands the archive at depth d
  std::vector<OpenEntry> open_;                        // [d-1] the open entry of depth d
  std::string name_;                                   // sanitised name, capacity reserved once
  uint32_t events_ = 0;
  uint64_t expanded_ = 0;
  uint64_t compressed_ = 0;
  uint32_t entries_ = 0;
  uint64_t deadline_tsc_ = 0;       // 0: none
  uint64_t since_deadline_check_ = 0;  // output bytes since the clock was last read
  bool active_ = false;
  bool stopped_ = false;
};

}  // namespace sluice::archive
