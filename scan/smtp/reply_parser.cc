// scan/smtp/reply_parser.cc — see reply_parser.h.
#include "scan/smtp/reply_parser.h"

namespace sluice::smtp {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "d.ddd.ddd" at the start of `text` (RFC 3463 status-code).
EnhancedStatus parse_enhanced_status(std::string_view text) {
  EnhancedStatus status;
  int parts[3] = {0, 0, 0};
  size_t pos = 0;
  for (int part = 0; part < 3; ++part) {
    size_t digits = 0;
    while (pos < text.size() && is_digit(text[pos]) && digits < 3) {
      parts[part] = parts[part] * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return status;
    if (part < 2) {
      if (pos >= text.size() || text[pos] != '.') return status;
      ++pos;
    }
  }
  if (pos < text.size() && text[pos] != ' ') return status;
  if (parts[0] != 2 && parts[0] != 4 && parts[0] != 5) return status;
  status.klass = parts[0];
  status.subject = parts[1];
  status.detail = parts[2];
  return status;
}

}  // namespace

ReplyParser::ReplyParser(const SmtpLimits& limits)
    : max_reply_lines_(limits.max_reply_lines == 0 ? 1 : limits.max_reply_lines),
      max_reply_text_(limits.max_reply_text) {}

void ReplyParser::reset() {
  line_count_ = 0;
  code_ = 0;
  status_ = {};
  in_reply_ = false;
  final_line_ = false;
}

void ReplyParser::keep_text(std::string_view text) {
  if (line_count_ >= max_reply_lines_) return;
  if (line_count_ == lines_.size()) lines_.emplace_back();
  std::string& kept = lines_[line_count_++];
  kept.clear();
  if (text.size() > max_reply_text_) text = text.substr(0, max_reply_text_);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    kept.push_back((byte < 0x20 || byte == 0x7f) ? '?' : c);
  }
}

ReplyParser::Result ReplyParser::start_line(std::string_view text) {
  const bool has_code = text.size() >= 3 && is_digit(text[0]) && is_digit(text[1]) &&
                        is_digit(text[2]) && text[0] >= '1' && text[0] <= '5';
  const bool separator_ok = text.size() == 3 || text[3] == ' ' || text[3] == '-';
  if (!has_code || !separator_ok) {
    reset();
    return Result::Malformed;
  }
  const int code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
  if (!in_reply_) {
    line_count_ = 0;
    code_ = code;
  }
  // A continuation with another code is kept under the first code: the
  // client acts on the last line, whose code we report as the reply's.
  if (text.size() > 3 && text[3] == '-') {
    in_reply_ = true;
    final_line_ = false;
  } else {
    code_ = code;
    final_line_ = true;
  }
  const std::string_view body = text.size() > 4 ? text.substr(4) : std::string_view{};
  if (line_count_ == 0) status_ = parse_enhanced_status(body);
  keep_text(body);
  return Result::Incomplete;
}

ReplyParser::Result ReplyParser::on_piece(const LinePiece& piece) {
  if (piece.first) {
    const Result started = start_line(piece.text);
    if (started == Result::Malformed) return started;
  }
  // Pieces after the first of an over-long line carry only more text.
  if (!piece.last) return Result::Incomplete;
  if (code_ == 0) return Result::Incomplete;  // tail of a malformed line
  if (!final_line_) return Result::Incomplete;
  in_reply_ = false;
  final_line_ = false;
  return Result::Complete;
}

}  // namespace sluice::smtp
