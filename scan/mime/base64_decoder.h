// Base64Decoder: streaming, lenient RFC 2045 base64 decoding (state kept across
// chunks). Calls nothing. Rule (THREATS MIME-9, one documented reading):
//  - CR, LF, SP and HT are ignored silently;
//  - any other byte outside the alphabet is ignored and flagged (saw_garbage);
//  - '=' completes the current quantum (2 chars -> 1 byte, 3 chars -> 2 bytes)
//    and decoding resumes after it, so concatenated streams decode in full
//    (`NA=\n=Mg\n==` -> "42", Suricata 6207);
//  - a quantum left open at finish() is flushed the same way (missing padding).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mime {

class Base64Decoder {
 public:
  void feed(std::string_view in, std::string& out);  // appends decoded bytes
  void finish(std::string& out);                     // flushes a partial quantum
  void reset();
  bool saw_garbage() const { return garbage_; }

 private:
  // Writes what the open quantum holds (0-2 bytes) at `w`, closes it, returns the bytes written.
  size_t flush_quantum(char* w);

  uint32_t bits_ = 0;   // sextets of the open quantum, most recent lowest
  uint8_t count_ = 0;   // sextets in the open quantum (0..3)
  bool garbage_ = false;
};

}  // namespace sluice::mime
