// libFuzzer target: scan/archive's ArchiveExpander on arbitrary attachment bytes (zip, gzip, bzip2, nested),
// fed in chunks whose size the first byte picks; the second byte picks the format given to begin() (as the
// inspector does after detect_archive) and trims the limits so the fuzzer reaches them with small inputs.
// Invariants checked on the ArchiveSink calls beyond "no crash":
//  - order: begin/end pairs nest properly, at most one entry is open per depth, data(d) and end(d) name an
//    open entry, a depth d > 1 entry begins only inside an open entry at d - 1, and nothing is left open after
//    finish();
//  - bounds: depth never exceeds max_depth, entries never exceed max_entries, names never exceed
//    max_name_bytes and hold no control bytes, the bytes handed to the sink never exceed
//    uncompressed_oversize_limit (all depths together);
//  - the counters agree with the sink: entries() is the number of begins, every event bit is a known one
//    with a name, and is_bomb() holds whenever a limit event was raised.
// May call: scan/archive/archive_expander.h.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "scan/archive/archive_expander.h"

namespace {

using namespace sluice::archive;

void require(bool condition) {
  if (!condition) std::abort();
}

class CheckingSink final : public ArchiveSink {
 public:
  explicit CheckingSink(const ArchiveLimits& limits) : limits_(limits), open_(kMaxSupportedDepth + 2, false) {}

  void on_entry_begin(uint32_t depth, std::string_view name) override {
    require(depth >= 1 && depth <= limits_.max_depth);
    require(!open_[depth]);
    if (depth > 1) require(open_[depth - 1]);
    for (uint32_t d = depth + 1; d < open_.size(); ++d) require(!open_[d]);   // nothing deeper left open
    require(name.size() <= limits_.max_name_bytes);
    for (char c : name) require(static_cast<uint8_t>(c) >= 0x20 && c != 0x7f);
    open_[depth] = true;
    ++begins;
  }
  void on_entry_data(uint32_t depth, std::string_view bytes) override {
    require(depth >= 1 && depth <= limits_.max_depth && open_[depth]);
    bytes_seen += bytes.size();
    require(bytes_seen <= limits_.uncompressed_oversize_limit);
    for (char c : bytes) checksum += static_cast<uint8_t>(c);   // every byte read: sanitizers see them all
  }
  void on_entry_end(uint32_t depth) override {
    require(depth >= 1 && depth <= limits_.max_depth && open_[depth]);
    for (uint32_t d = depth + 1; d < open_.size(); ++d) require(!open_[d]);   // nested ones ended first
    open_[depth] = false;
  }
  bool any_open() const {
    for (bool o : open_) {
      if (o) return true;
    }
    return false;
  }

  uint32_t begins = 0;
  uint64_t bytes_seen = 0;
  uint64_t checksum = 0;

 private:
  const ArchiveLimits& limits_;
  std::vector<bool> open_;
};

constexpr uint32_t kKnownEvents = 16383;  // every ArchiveEvent bit, OversizeLimit .. DiskImage
constexpr uint32_t kLimitEvents = 1 | 2 | 4 | 8;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t chunk = 1 + data[0] % 193;
  const uint8_t knobs = data[1];
  ArchiveLimits limits;
  limits.uncompressed_oversize_limit = (knobs & 1) ? 64 * 1024 : 2u << 20;
  limits.max_ratio = (knobs & 2) ? 20 : 100;
  limits.ratio_floor_bytes = (knobs & 2) ? 4096 : 1u << 20;
  limits.max_depth = 1 + (knobs >> 2) % 4;
  limits.max_entries = (knobs & 0x10) ? 8 : 64;
  limits.max_name_bytes = (knobs & 0x20) ? 16 : 1024;
  limits.scan_bzip2 = !(knobs & 0x40);
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  CheckingSink sink(limits);
  ArchiveExpander expander(limits, sink);
  const ArchiveFormat detected = detect_archive(input.substr(0, kArchiveSniffBytes));
  // Mostly what the inspector does (the detected format); sometimes a format the bytes do not match.
  const ArchiveFormat format = (knobs & 0x80) ? static_cast<ArchiveFormat>(1 + data[0] % static_cast<uint8_t>(ArchiveFormat::Tnef)) : detected;
  if (format == ArchiveFormat::None) return 0;
  expander.begin(format);
  for (size_t off = 0; off < input.size(); off += chunk) expander.feed(input.substr(off, chunk));
  expander.finish();

  require(!sink.any_open());
  require(expander.entries() == sink.begins && sink.begins <= limits.max_entries);
  const uint32_t events = expander.events();
  require((events & ~kKnownEvents) == 0);
  for (uint32_t bit = 1; bit <= events; bit <<= 1) {
    if (events & bit) require(std::string_view(archive_event_name(static_cast<ArchiveEvent>(bit))) != "unknown");
  }
  if (events & kLimitEvents) require(is_bomb(events));
  return 0;
}
