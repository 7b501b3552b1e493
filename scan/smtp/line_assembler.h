// scan/smtp/line_assembler.h — cuts a byte stream into CRLF-terminated lines
// for the command and reply parsers.
// Owns: one bounded line buffer. Calls nothing.
//
// Only CR LF ends a line. A bare CR or bare LF stays inside the line and is
// reported, so `RCPT TO:<a@b>\nDATA\r\n` is one malformed line, never two
// commands (SM-17). A line longer than the bound is handed out in pieces of
// at most `max_line_length` bytes: no byte is ever dropped, and the caller
// sees `first`/`last` to know which piece starts and which ends the line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::smtp {

struct LinePiece {
  std::string_view text;   // line bytes without the CRLF; valid until the next feed()
  bool first = true;       // this piece starts a line
  bool last = true;        // this piece ends a line (its CRLF was seen)
  bool bare_cr = false;    // a CR not followed by LF is inside this piece
  bool bare_lf = false;    // an LF not preceded by CR is inside this piece
};

class LineAssembler {
 public:
  explicit LineAssembler(uint32_t max_line_length);

  // Consumes bytes of `input` until a piece is ready or `input` is used up.
  // Returns the number of bytes consumed; `piece_ready` tells whether
  // piece() now holds a piece.
  size_t feed(std::string_view input, bool& piece_ready);
  const LinePiece& piece() const { return piece_; }

  // Bytes were lost: forget the partial line and ignore everything up to and
  // including the next CRLF, so parsing resumes at a real line start.
  void resync_at_next_line();
  // Back to the start of a fresh line, nothing buffered.
  void reset();
  // True when some bytes of an unfinished line are buffered.
  bool mid_line() const { return (!emitted_ && !line_.empty()) || pending_cr_ || !at_line_start_; }

 private:
  void append(char byte);
  void emit(bool last);

  uint32_t max_line_length_;
  std::string line_;         // bytes of the current piece, capacity reserved once
  LinePiece piece_;
  bool pending_cr_ = false;  // a CR was read; the next byte decides CRLF or bare CR
  bool at_line_start_ = true;  // the next piece will be the first of its line
  bool piece_bare_cr_ = false;
  bool piece_bare_lf_ = false;
  bool skipping_ = false;
  bool emitted_ = false;     // piece_ views line_; clear it on the next feed()    // discarding up to the next CRLF after a gap
};

}  // namespace sluice::smtp
