// scan/smtp/data_decoder.h — the DATA body: dot-unstuffing and the end of
// data (RFC 5321 §4.5.2, §4.1.1.4), with the smuggling checks of THREATS.md
// SM-1..SM-15.
// Owns: a few bytes of state per body. Calls nothing.
//
// END-OF-DATA RULE. The only terminator is CR LF "." CR LF: a line that is
// exactly "." whose start follows a CRLF and which ends in CRLF. The body
// start counts as following a CRLF (the one ending "DATA"), so ".\r\n" as the
// very first body bytes ends an empty message.
//   Every other "." line is content and raises SmugglingSequence, plus BareLf,
//   BareCr or NulInData where they apply: \n.\n  \n.\r\n  \r\n.\n  \r.\r
//   \r.\n  \n.\r  \r.\r\n  \r\n.\r  \r\n.\r\r\n  \r\r\n.\r\r\n  \r\n\0.\r\n
//   \r\n.\0\r\n (SM-1..SM-12). Nothing is normalised: bare CR and LF are
//   passed on as they came, so no CRLF "." CRLF is ever created here.
// DOT-UNSTUFFING. At a true line start (after CRLF) one leading "." is
//   removed: "..\r\n" gives ".", ".hidden" gives "hidden" (SM-13). A line is
//   never cut into pieces here, so a "." after 998, 2048 or any other number
//   of bytes is never a line start (SM-15).
// CONTENT. Everything else is passed on byte for byte, CRLF line ends
//   included; the CRLF before the terminating "." belongs to the last line
//   and is content, the ".\r\n" is not. content_bytes() is therefore the
//   size the server stores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::smtp {

class DataDecoder {
 public:
  // Content handed out per feed() call at most, so that one huge input chunk
  // never grows the caller's buffer beyond this.
  static constexpr size_t kMaxContentPerFeed = 16384;

  struct Result {
    size_t consumed = 0;  // input bytes used, the terminator included
    bool ended = false;   // the terminator was the last byte consumed
  };

  explicit DataDecoder(uint32_t max_line_length);

  // Starts a new body, as right after "DATA\r\n" + 354.
  void reset();
  // Decodes from `input`, appending content to `content`, until the input is
  // used up, the terminator is found, or kMaxContentPerFeed bytes were added.
  Result feed(std::string_view input, std::string& content);
  // Bytes were lost: whatever comes next is not at a line start.
  void note_gap();

  uint32_t flags() const { return flags_; }          // SessionFlag bits of this body
  uint64_t content_bytes() const { return content_bytes_; }
  bool at_line_start() const { return state_ == State::LineStart; }

 private:
  enum class State : uint8_t {
    LineStart,  // the previous two bytes were CR LF (or the body just began)
    Dot,        // a "." at a line start was read and withheld
    DotCr,      // "." then CR were read; CR withheld until the next byte
    InLine,     // anywhere else
  };

  void check_smuggling(char byte);
  void check_line_ends(char byte);
  void put(char byte, std::string& content);
  size_t copy_plain_run(std::string_view input, size_t room, std::string& content);
  void remember(char byte);

  uint32_t max_line_length_;
  State state_ = State::LineStart;
  char last_[3] = {};        // last raw bytes, last_[0] the most recent
  uint64_t line_length_ = 0; // content bytes in the current line, for LongLine
  uint64_t content_bytes_ = 0;
  uint32_t flags_ = 0;
};

}  // namespace sluice::smtp
