// scan/smtp/bdat_reader.h — the octets of one BDAT chunk (RFC 3030).
// Owns: the count of chunk bytes still to come. Calls nothing.
//
// A chunk is exactly the announced number of bytes, taken as they are: no
// dot-unstuffing, no line rules, and none of it is ever read as a command
// (SM-16). Nothing is buffered, so memory never depends on the announced
// size (RES-10).
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::smtp {

class BdatReader {
 public:
  // A "BDAT <size> [LAST]" command was read; its chunk follows.
  void start(uint64_t size, bool last) {
    remaining_ = size;
    last_ = last;
  }
  // Takes the chunk bytes at the front of `input`; the rest of `input`
  // (after the chunk) is not touched.
  std::string_view take(std::string_view input) {
    const uint64_t n = remaining_ < input.size() ? remaining_ : input.size();
    remaining_ -= n;
    return input.substr(0, static_cast<size_t>(n));
  }
  // `bytes` of the chunk were lost (gap); returns how many of them the chunk
  // still covered.
  uint64_t skip(uint64_t bytes) {
    const uint64_t n = remaining_ < bytes ? remaining_ : bytes;
    remaining_ -= n;
    return n;
  }
  bool done() const { return remaining_ == 0; }
  bool last() const { return last_; }

 private:
  uint64_t remaining_ = 0;
  bool last_ = false;
};

}  // namespace sluice::smtp
