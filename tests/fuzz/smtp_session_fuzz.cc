// libFuzzer target: the passive SMTP parser on arbitrary interleavings of client and server bytes.
// Input framing: records of [header byte][data]; header bit 7 = server side, bits 0-6 = length (0 = a gap
// of 1..64 bytes, taken from the next byte), so the fuzzer controls chunking, direction and losses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/smtp/passive_session.h"

namespace {

class CountingSink final : public sluice::smtp::SessionSink {
 public:
  size_t bytes = 0;
  void on_message_begin(const sluice::smtp::Envelope&) override {}
  void on_message_data(std::string_view content) override { bytes += content.size(); }
  void on_message_end(const sluice::smtp::Envelope&, const sluice::smtp::MessageEnd& end) override {
    bytes += end.size;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CountingSink sink;
  sluice::smtp::SmtpLimits limits;
  limits.max_command_line = 256;   // small limits reach the over-long paths with short inputs
  limits.max_line_length = 256;
  limits.max_held_bytes = 512;
  sluice::smtp::PassiveSession session(limits, sink);
  size_t i = 0;
  while (i < size) {
    const uint8_t header = data[i++];
    const bool server = header & 0x80;
    size_t length = header & 0x7f;
    if (length == 0) {
      const uint32_t gap = i < size ? 1 + data[i++] % 64 : 1;
      server ? session.on_server_gap(gap) : session.on_client_gap(gap);
      continue;
    }
    if (length > size - i) length = size - i;
    const std::string_view chunk(reinterpret_cast<const char*>(data + i), length);
    server ? session.on_server_bytes(chunk) : session.on_client_bytes(chunk);
    i += length;
  }
  session.on_close();
  return 0;
}
