#pragma once
// Internal: walks a tar archive (POSIX ustar and pax, GNU tar) as it streams in, 512-byte header
// by header, and reports each regular file as an entry through EntryOutput; nothing but one
// header and a bounded long name is held. Owns tar framing only: header checksums, octal and
// base-256 sizes, the ustar name prefix, GNU long names ('L') and the pax records that change
// the next member's framing or name ("size", "path"). May call: EntryOutput.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scan/archive/entry_output.h"

namespace sluice::archive {

// Longest member name kept from a GNU long-name entry or a pax "path" record; the router cuts
// again to max_name_bytes. A pax header larger than kTarPaxCapacity is skipped whole (its
// records are not read), which can only lose a name or a size override: the latter then shows
// as a bad checksum (Corrupt) where the next header was expected.
inline constexpr size_t kTarNameCapacity = 4096;
inline constexpr size_t kTarPaxCapacity = 64u << 10;

class TarWalker {
 public:
  TarWalker(uint32_t depth, EntryOutput& out);

  void begin();
  void feed(std::string_view bytes);
  void finish();

 private:
  enum class State {
    Header,    // gathering 512 header bytes
    Member,    // a regular file's bytes, handed on
    LongName,  // a GNU 'L' entry's bytes: the next member's name
    Pax,       // a pax 'x' entry's records: the next member's size and name
    Skip,      // bytes of anything else (directories, links, pax globals), and block padding
    End,       // after a zero block: the rest is padding
    SkipAll,   // the walk cannot continue (bad checksum): ignore the rest
  };

  void on_header();
  void start_data(State state, uint64_t size);
  void end_data();
  void apply_pax_records();

  uint32_t depth_;
  EntryOutput& out_;
  State state_ = State::Header;
  std::array<char, 512> header_{};
  size_t header_len_ = 0;
  uint64_t data_left_ = 0;     // bytes of the current entry's data still to come
  uint64_t padding_left_ = 0;  // then this many to the next 512-byte boundary
  State after_data_ = State::Header;
  bool entry_open_ = false;
  std::string long_name_;      // from 'L' or pax "path", for the next member only; capacity reserved
  bool has_long_name_ = false;
  std::string name_;           // the member name being reported; capacity reserved
  bool after_end_ = false;     // a zero block was seen: later headers are trailing data
  std::string pax_;            // the pax records being gathered; capacity reserved
  bool pax_too_large_ = false;
  bool has_pax_size_ = false;
  uint64_t pax_size_ = 0;
};

}  // namespace sluice::archive
