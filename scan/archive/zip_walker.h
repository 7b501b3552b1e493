#pragma once
// Internal: walks a zip as it streams in, record by record (local header, entry bytes, data
// descriptor, central directory header, zip64 records, end record), never seeking. Owns zip
// framing only; entry bytes go to EntryOutput, directory checks to ZipDirectory. Policies are
// listed in archive_expander.h.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "scan/archive/entry_output.h"
#include "scan/archive/zip_directory.h"
#include "scan/archive/zlib_inflater.h"

namespace sluice::archive {

class ZipWalker {
 public:
  ZipWalker(uint32_t depth, uint32_t max_entries, EntryOutput& out, ReusableArena& arena,
            std::span<char> window);

  void begin();
  void feed(std::string_view bytes);
  void finish();

 private:
  enum class State {
    Signature,        // gathering the 4-byte record signature
    LocalHeader,      // fixed 30 bytes, then name + extra
    StoredData,       // method 0 with a known size
    DeflateData,      // method 8 until the deflate stream ends
    DataDescriptor,   // after a deflated entry flagged with bit 3
    CentralHeader,    // fixed 46 bytes, then name + extra
    EndRecord,        // fixed 22 bytes
    Zip64EndRecord,   // fixed 12 bytes, then its own size is skipped
    Zip64Locator,     // fixed 20 bytes
    Skip,             // skip_left_ bytes, then Signature
    RestIsEntry,      // stored + descriptor: every remaining byte belongs to the entry
    SkipAll,          // the walk cannot continue: ignore the rest
  };

  bool gather(std::string_view& in, size_t want);
  void consume(std::string_view& in, size_t n);
  void on_signature();
  void on_local_header(std::string_view& in);
  void start_entry(std::string_view name, std::string_view extra);
  void on_stored_data(std::string_view& in);
  void on_deflate_data(std::string_view& in);
  void on_data_descriptor(std::string_view& in);
  void on_central_header(std::string_view& in);
  void on_end_record(std::string_view& in);
  void on_zip64_end_record(std::string_view& in);
  void end_entry(bool corrupt);
  void skip_then_signature(uint64_t bytes);
  void expect_signature();
  uint16_t u16(size_t at) const;
  uint32_t u32(size_t at) const;
  uint64_t u64(size_t at) const;

  uint32_t depth_;
  EntryOutput& out_;
  std::span<char> window_;
  ZlibInflater inflater_;
  ZipDirectory directory_;
  std::vector<uint8_t> record_;  // one record's fixed part + name + extra; sized once
  size_t have_ = 0;              // bytes of record_ gathered so far

  State state_ = State::Signature;
  uint64_t pos_ = 0;           // bytes consumed since the start of the zip being walked
  uint64_t record_start_ = 0;  // pos_ of the current record's signature
  uint64_t skip_left_ = 0;
  uint64_t data_left_ = 0;     // compressed bytes left in the entry when its size is known
  bool size_known_ = false;
  bool descriptor_follows_ = false;
  bool zip64_sizes_ = false;   // the local header carried a zip64 extra: 8-byte descriptor sizes
  bool entry_open_ = false;
  bool seen_end_record_ = false;
};

}  // namespace sluice::archive
