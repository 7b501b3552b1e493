// libFuzzer target: the incremental MIME parser and its decoders. The first byte picks the chunk size so
// chunk-boundary handling is fuzzed too; every decoded view is read so sanitizers see every byte.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/mime/mime_parser.h"

namespace {

class ReadingSink final : public sluice::mime::MimeSink {
 public:
  uint64_t checksum = 0;
  void on_top_header(std::string_view name, std::string_view value, std::string_view decoded) override {
    checksum += name.size() + value.size() + decoded.size();
  }
  void on_view_begin(uint32_t, const sluice::mime::PartInfo& part, sluice::mime::ViewKind) override {
    for (const auto& n : part.filenames) checksum += n.size();
  }
  void on_view_data(uint32_t, std::string_view bytes) override {
    for (char c : bytes) checksum += static_cast<uint8_t>(c);
  }
  void on_view_end(uint32_t) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 97;
  ReadingSink sink;
  sluice::mime::MimeLimits limits;
  limits.max_depth = 8;
  limits.max_parts = 64;
  limits.max_header_bytes = 2048;
  limits.max_line_length = 256;
  limits.max_boundary_length = 128;
  sluice::mime::MimeParser parser(limits, sink);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  for (size_t off = 0; off < input.size(); off += chunk) parser.feed(input.substr(off, chunk));
  parser.finish();
  return 0;
}
