// scan/smtp/reply_parser.h — assembles server replies (RFC 5321 §4.2),
// single- and multi-line (`250-…` … `250 …`), with the enhanced status code
// (RFC 3463) of the first line.
// Owns: the text of the reply being assembled, bounded. Calls nothing.
//
// A line that does not start with three digits followed by SP, '-' or the
// line end is malformed: the reply in progress is dropped and parsing starts
// again at the next line. Text handed out is sanitised (control bytes become
// '?') and cut at SmtpLimits::max_reply_text, so it is safe to log or relay.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/smtp/line_assembler.h"
#include "scan/smtp/smtp_limits.h"

namespace sluice::smtp {

struct EnhancedStatus {
  int klass = 0;     // 2, 4 or 5; 0 when the first line carries none
  int subject = 0;
  int detail = 0;
};

class ReplyParser {
 public:
  enum class Result { Incomplete, Complete, Malformed };

  explicit ReplyParser(const SmtpLimits& limits);

  // Feeds one piece from a LineAssembler. Complete: reply accessors below
  // describe the finished reply until the next call.
  Result on_piece(const LinePiece& piece);
  void reset();

  int code() const { return code_; }
  const EnhancedStatus& status() const { return status_; }
  // Text of line `i` (after "250-"), i < line_count(); line 0 is the first.
  std::string_view line_text(uint32_t i) const { return lines_[i]; }
  uint32_t line_count() const { return line_count_; }

 private:
  Result start_line(std::string_view text);
  void keep_text(std::string_view text);

  uint32_t max_reply_lines_;
  uint32_t max_reply_text_;
  std::vector<std::string> lines_;  // reused: strings keep their capacity
  uint32_t line_count_ = 0;
  int code_ = 0;                    // code of the reply in progress
  EnhancedStatus status_;
  bool in_reply_ = false;           // a '-' line was seen, more lines follow
  bool final_line_ = false;         // the line being read is the last one
};

}  // namespace sluice::smtp
