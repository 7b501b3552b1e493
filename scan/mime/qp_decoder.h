// QuotedPrintableDecoder: streaming RFC 2045 §6.7 decoding (state kept across
// chunks). Calls nothing. Rules:
//  - `=\r\n`, `=\n`, `=\r` and `=` + SP/HT... + line end are soft breaks;
//  - SP/HT before a line end are transport padding and dropped;
//  - `=XX` decodes (lowercase hex accepted but flagged, decoders disagree);
//  - any other `=` sequence is kept literally and flagged (`==41` -> "=A").
// Whitespace held back while deciding is bounded by kMaxHeldWhitespace.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mime {

class QuotedPrintableDecoder {
 public:
  void feed(std::string_view in, std::string& out);  // appends decoded bytes
  void finish(std::string& out);                     // flushes held bytes
  void reset();
  bool saw_invalid() const { return invalid_; }

 private:
  enum class State : uint8_t { Text, Cr, Eq, EqHex, EqSpace, SoftCr };
  // Runs one byte; returns false when the byte must be run again in State::Text.
  bool step(char c, std::string& out);
  void spill_held(std::string& out);

  // Trailing whitespace is only padding if a line end follows; past this many
  // bytes it is plain data (no MUA pads that much), which keeps memory bounded.
  static constexpr size_t kMaxHeldWhitespace = 256;

  State state_ = State::Text;
  std::string held_;  // whitespace (and a leading '=' in EqSpace) not yet decided
  char hex1_ = 0;
  bool invalid_ = false;
};

}  // namespace sluice::mime
