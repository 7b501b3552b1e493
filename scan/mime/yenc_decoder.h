// YencDecoder: finds `=ybegin ... name=` ... `=yend` blocks in a sequence of text
// lines and decodes the bytes between them (MIME-11: yEnc inside text/plain, the
// way UuDecoder handles uuencode). Each data byte is (c - 42) mod 256; `=` makes
// the next byte (c - 64 - 42); CR and LF are never data. `=ypart` lines (multipart
// yEnc) are skipped, and part N+1 of the same name right after part N's `=yend`
// is reported as a continuation so the caller can keep one view for the file.
// Works on line pieces (LineChunk), so a data line longer than the line buffer is
// decoded whole. State kept across pieces and lines. Calls nothing.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mime {

class YencDecoder {
 public:
  enum class Event { None, Begin, Data, End };

  // Offers one piece of a line without its line end; `starts_line`: the piece is
  // the first of its line (only there can `=ybegin`/`=ypart`/`=yend` begin).
  // Begin: a block opened (see filename(), continues_previous()); an open block
  // without `=yend` ends there implicitly. Data: decoded bytes appended to `out`.
  // End: the block closed (see awaiting_next_part()).
  Event piece(std::string_view text, bool starts_line, std::string& out);
  bool in_block() const { return in_block_; }
  const std::string& filename() const { return filename_; }  // raw, as written; may be empty
  // The block that just began is part N+1 (same name) of the block whose part N
  // ended right before it: the same file, continued.
  bool continues_previous() const { return continues_previous_; }
  // The block that just ended declared itself part N of more than N.
  bool awaiting_next_part() const { return awaiting_next_part_; }
  void reset();

 private:
  bool parse_begin(std::string_view line);
  void decode(std::string_view text, std::string& out);

  bool in_block_ = false;
  bool in_keyword_line_ = false;  // the rest of a `=y...` line is not data
  bool escape_ = false;           // a `=` was the last data byte seen
  bool continues_previous_ = false;
  bool awaiting_next_part_ = false;
  uint32_t part_ = 0;   // 0: single-part block
  uint32_t total_ = 0;  // 0: not declared
  std::string filename_;
};

}  // namespace sluice::mime
