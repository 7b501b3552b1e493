#include "scan/mime/yenc_decoder.h"

#include <limits>

namespace sluice::mime {
namespace {

constexpr uint8_t kOffset = 42;        // every data byte is written as byte + 42
constexpr uint8_t kEscapeOffset = 64;  // an escaped byte is written as `=` then byte + 42 + 64

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `line` is `keyword` alone or followed by SP/HT (a keyword line); `=yending` is data.
bool is_keyword_line(std::string_view line, std::string_view keyword) {
  if (!line.starts_with(keyword)) return false;
  return line.size() == keyword.size() || line[keyword.size()] == ' ' || line[keyword.size()] == '\t';
}

// Digits at the start of `s`, saturating (a hostile `part=99999999999` stays a big number, never wraps).
uint32_t leading_number(std::string_view s) {
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<uint64_t>(c - '0');
    if (n > std::numeric_limits<uint32_t>::max()) return std::numeric_limits<uint32_t>::max();
  }
  return static_cast<uint32_t>(n);
}

}  // namespace

// `=ybegin [part=N] [total=N] line=N size=N name=<rest of the line>`. Readers differ in
// which parameters they insist on; every one of them decodes the block, so any
// `=ybegin` line opens one here, with whatever name and part numbers it gives.
bool YencDecoder::parse_begin(std::string_view line) {
  constexpr std::string_view kBegin = "=ybegin";
  if (!is_keyword_line(line, kBegin)) return false;
  std::string_view rest = line.substr(kBegin.size());
  std::string name;
  uint32_t part = 0, total = 0;
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (rest.starts_with("name=")) {  // the name runs to the end of the line, spaces included
      name.assign(trim_right(rest.substr(5)));
      break;
    }
    size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t') ++end;
    const std::string_view token = rest.substr(0, end);
    if (token.starts_with("part=")) part = leading_number(token.substr(5));
    if (token.starts_with("total=")) total = leading_number(token.substr(6));
    rest.remove_prefix(end);
  }
  continues_previous_ = awaiting_next_part_ && part != 0 && part_ != std::numeric_limits<uint32_t>::max() &&
                        part == part_ + 1 && name == filename_;
  awaiting_next_part_ = false;
  filename_ = std::move(name);
  part_ = part;
  total_ = total;
  return true;
}

void YencDecoder::decode(std::string_view text, std::string& out) {
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;  // line ends are never data, even right after `=`
    const auto byte = static_cast<uint8_t>(c);
    if (escape_) {
      escape_ = false;
      out.push_back(static_cast<char>(static_cast<uint8_t>(byte - kEscapeOffset - kOffset)));
    } else if (c == '=') {
      escape_ = true;
    } else {
      out.push_back(static_cast<char>(static_cast<uint8_t>(byte - kOffset)));
    }
  }
}

YencDecoder::Event YencDecoder::piece(std::string_view text, bool starts_line, std::string& out) {
  if (starts_line) {
    in_keyword_line_ = false;
    if (parse_begin(text)) {
      in_block_ = true;
      in_keyword_line_ = true;
      escape_ = false;
      return Event::Begin;
    }
    if (in_block_ && is_keyword_line(text, "=yend")) {
      in_block_ = false;
      escape_ = false;
      // `=yend` repeats part=; the `=ybegin` line's part/total numbers decide.
      awaiting_next_part_ = part_ != 0 && (total_ == 0 || part_ < total_);
      return Event::End;
    }
    if (in_block_ && is_keyword_line(text, "=ypart")) {
      in_keyword_line_ = true;
      return Event::None;
    }
  }
  if (!in_block_ || in_keyword_line_) return Event::None;
  const size_t before = out.size();
  decode(text, out);
  return out.size() > before ? Event::Data : Event::None;
}

void YencDecoder::reset() {
  in_block_ = false;
  in_keyword_line_ = false;
  escape_ = false;
  continues_previous_ = false;
  awaiting_next_part_ = false;
  part_ = 0;
  total_ = 0;
  filename_.clear();
}

}  // namespace sluice::mime
