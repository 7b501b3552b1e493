// scan/smtp/data_decoder.cc — see data_decoder.h for the rules.
#include "scan/smtp/data_decoder.h"

#include "scan/smtp/smtp_limits.h"

namespace sluice::smtp {
namespace {

constexpr char kCr = '\r';
constexpr char kLf = '\n';
constexpr char kNul = '\0';
// Stands for "an ordinary byte" in the history after a gap.
constexpr char kNeutral = 'x';

bool is_line_end(char c) { return c == kCr || c == kLf; }

}  // namespace

DataDecoder::DataDecoder(uint32_t max_line_length) : max_line_length_(max_line_length) {
  reset();
}

void DataDecoder::reset() {
  state_ = State::LineStart;
  // The body follows the CRLF of "DATA\r\n".
  last_[0] = kLf;
  last_[1] = kCr;
  last_[2] = kNeutral;
  line_length_ = 0;
  content_bytes_ = 0;
  flags_ = 0;
}

void DataDecoder::note_gap() {
  state_ = State::InLine;
  last_[0] = last_[1] = last_[2] = kNeutral;
}

void DataDecoder::remember(char byte) {
  last_[2] = last_[1];
  last_[1] = last_[0];
  last_[0] = byte;
}

void DataDecoder::put(char byte, std::string& content) {
  content.push_back(byte);
  ++content_bytes_;
}

// A "." line bounded by CR/LF (or NUL next to the dot) on both sides that is
// not CR LF "." CR LF: some MTA somewhere takes it for the end of data.
void DataDecoder::check_smuggling(char byte) {
  if (state_ == State::DotCr && byte != kLf) {
    flags_ |= flag_bit(SessionFlag::SmugglingSequence);  // \r\n.\r + not LF
    return;
  }
  if (!is_line_end(byte)) return;
  const bool dot_line = last_[0] == '.' && is_line_end(last_[1]);
  const bool strict_candidate = state_ == State::Dot && byte == kCr;
  const bool nul_after_dot = last_[0] == kNul && last_[1] == '.' && is_line_end(last_[2]);
  const bool nul_before_dot = last_[0] == '.' && last_[1] == kNul && is_line_end(last_[2]);
  if ((dot_line && !strict_candidate) || nul_after_dot || nul_before_dot)
    flags_ |= flag_bit(SessionFlag::SmugglingSequence);
}

void DataDecoder::check_line_ends(char byte) {
  if (byte == kLf && last_[0] != kCr) flags_ |= flag_bit(SessionFlag::BareLf);
  if (last_[0] == kCr && byte != kLf) flags_ |= flag_bit(SessionFlag::BareCr);
  if (byte == kNul) flags_ |= flag_bit(SessionFlag::NulInData);
  if (byte == kLf) {
    line_length_ = 0;
  } else if (byte != kCr && ++line_length_ > max_line_length_) {
    flags_ |= flag_bit(SessionFlag::LongLine);
  }
}

// Inside a line, bytes other than CR, LF and NUL change nothing but the line
// length and the history: copy them in one go (the 90,000-byte TRex line).
size_t DataDecoder::copy_plain_run(std::string_view input, size_t room, std::string& content) {
  size_t run = 0;
  const size_t limit = input.size() < room ? input.size() : room;
  while (run < limit && input[run] != kCr && input[run] != kLf && input[run] != kNul) ++run;
  if (run == 0) return 0;
  if (last_[0] == kCr) flags_ |= flag_bit(SessionFlag::BareCr);
  content.append(input.data(), run);
  content_bytes_ += run;
  line_length_ += run;
  if (line_length_ > max_line_length_) flags_ |= flag_bit(SessionFlag::LongLine);
  for (size_t i = run > 3 ? run - 3 : 0; i < run; ++i) remember(input[i]);
  return run;
}

DataDecoder::Result DataDecoder::feed(std::string_view input, std::string& content) {
  Result result;
  const size_t content_start = content.size();
  while (result.consumed < input.size() &&
         content.size() - content_start < kMaxContentPerFeed) {
    if (state_ == State::InLine) {
      const size_t room = kMaxContentPerFeed - (content.size() - content_start);
      result.consumed += copy_plain_run(input.substr(result.consumed), room, content);
      if (result.consumed == input.size() || content.size() - content_start >= kMaxContentPerFeed)
        break;
    }
    const char byte = input[result.consumed++];
    check_smuggling(byte);
    check_line_ends(byte);
    switch (state_) {
      case State::LineStart:
        if (byte == '.') {
          state_ = State::Dot;  // stuffing or terminator: never content
        } else {
          put(byte, content);
          state_ = State::InLine;
        }
        break;
      case State::Dot:
        if (byte == kCr) {
          state_ = State::DotCr;
        } else {
          put(byte, content);  // the withheld dot was stuffing: dropped
          state_ = State::InLine;
        }
        break;
      case State::DotCr:
        if (byte == kLf) {
          remember(byte);
          result.ended = true;
          return result;
        }
        put(kCr, content);
        put(byte, content);
        state_ = State::InLine;
        break;
      case State::InLine:
        put(byte, content);
        if (byte == kLf && last_[0] == kCr) state_ = State::LineStart;
        break;
    }
    remember(byte);
  }
  return result;
}

}  // namespace sluice::smtp
