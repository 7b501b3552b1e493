#pragma once
// Test support for scan/archive: a sink that records what it is told, builders that make
// zip, gzip and bzip2 bytes in-test (no fixture files), and a runner that feeds an expander
// in chunks of a chosen size.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "scan/archive/archive_expander.h"

namespace sluice::archive::test {

// Little-endian fields, as zip, TNEF and most archive formats write them.
void put16(std::string& out, uint32_t v);
void put32(std::string& out, uint32_t v);

struct Entry {
  uint32_t depth;
  std::string name;
  std::string data;
  bool operator==(const Entry&) const = default;
};
void PrintTo(const Entry& entry, std::ostream* os);

// Rebuilds entries from the callbacks and checks the documented order: one open entry per
// depth, begin at depth d only while d-1 is open (or d == 1), data/end only for open ones.
class RecordingSink final : public ArchiveSink {
 public:
  void on_entry_begin(uint32_t depth, std::string_view name) override;
  void on_entry_data(uint32_t depth, std::string_view bytes) override;
  void on_entry_end(uint32_t depth) override;

  std::vector<Entry> entries;            // in begin order
  std::vector<std::string> order_errors;  // empty when the sink contract held
  bool all_closed() const;

 private:
  std::vector<size_t> open_;  // [d-1] index into entries of the open entry at depth d, or npos
};

struct Expansion {
  std::vector<Entry> entries;
  uint32_t events = 0;
  uint64_t expanded_bytes = 0;
  uint32_t entry_count = 0;
  std::vector<std::string> order_errors;
  bool all_closed = true;
};

// chunk == 0: one feed() with all of `input`.
Expansion expand(ArchiveFormat format, std::string_view input, size_t chunk = 0,
                 const ArchiveLimits& limits = {});
uint32_t bits(std::initializer_list<ArchiveEvent> events);

std::string raw_deflate(std::string_view data);
std::string gzip_member(std::string_view data, const char* fname);  // fname may be nullptr
std::string bzip2_stream(std::string_view data);

enum class Method : uint16_t { Stored = 0, Deflate = 8, Bzip2InZip = 12 };

// Writes a zip record by record. Central records default to one per local entry with the
// same name; central()/central_at() replace that default to build hostile directories.
// zip64: sizes go in zip64 extra fields (8-byte descriptor sizes), and a zip64 end record and
// locator precede the end record.
class ZipWriter {
 public:
  explicit ZipWriter(bool zip64 = false) : zip64_(zip64) {}
  static constexpr uint16_t kEncrypted = 1u << 0;
  static constexpr uint16_t kDescriptor = 1u << 3;

  size_t add(std::string_view name, std::string_view data, Method method, uint16_t flags = 0);
  void central(size_t local_index, std::string_view name);
  void central_at(size_t local_index, uint64_t offset, std::string_view name);
  std::string finish();
  uint64_t local_offset(size_t local_index) const { return locals_[local_index].offset; }

 private:
  struct Local {
    uint64_t offset;
    std::string name;
    uint32_t crc;
    uint32_t compressed;
    uint32_t uncompressed;
    uint16_t method;
    uint16_t flags;
  };
  struct Central {
    size_t local_index;
    uint64_t offset;
    std::string name;
  };
  bool zip64_;
  std::string bytes_;
  std::vector<Local> locals_;
  std::vector<Central> centrals_;
};

// A zip holding `inner` under `name` (deflated), for zip-in-zip chains.
std::string zip_of(std::string_view name, std::string_view inner);

}  // namespace sluice::archive::test
