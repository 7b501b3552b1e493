#include "scan/mime/header_block.h"

namespace sluice::mime {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

bool only_whitespace(std::string_view s) {
  for (char c : s)
    if (!is_wsp(c)) return false;
  return true;
}

// RFC 5322 ftext: printable ASCII except ':'.
bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c <= ' ' || c >= 127 || c == ':') return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

HeaderBlock::HeaderBlock(const MimeLimits& limits, AnomalyLog& log) : limits_(limits), log_(log) {}

void HeaderBlock::begin() {
  field_.clear();
  name_length_ = 0;
  block_bytes_ = 0;
  has_field_ = false;
}

void HeaderBlock::flush(HeaderFieldHandler& handler) {
  if (!has_field_) return;
  has_field_ = false;
  const std::string_view all = field_;
  handler.on_field(all.substr(0, name_length_), trim(all.substr(name_length_)));
}

HeaderBlock::Step HeaderBlock::add(const LineChunk& chunk, HeaderFieldHandler& handler) {
  const std::string_view line = chunk.text;
  block_bytes_ += line.size() + (chunk.has_eol ? 2 : 0);
  if (block_bytes_ > limits_.max_header_bytes) {
    log_.raise(Anomaly::HeaderTooLong, "header block over max_header_bytes; rest is body");
    flush(handler);
    return Step::EndReplayLine;
  }
  if (!chunk.starts_line) {  // a further piece of an over-long header line
    if (has_field_) field_.append(line);
    return Step::More;
  }
  if (line.empty()) {
    flush(handler);
    return Step::End;
  }
  if (only_whitespace(line)) {
    log_.raise(Anomaly::ObsoleteHeaderSyntax, "whitespace-only line ends header block");
    flush(handler);
    return Step::End;
  }
  if (is_wsp(line.front()) && has_field_) {  // folding: drop the line break only
    field_.append(line);
    return Step::More;
  }
  return start_field(line, handler);
}

HeaderBlock::Step HeaderBlock::start_field(std::string_view line, HeaderFieldHandler& handler) {
  flush(handler);
  const size_t colon = line.find(':');
  std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
  bool space_before_colon = false;
  while (!name.empty() && is_wsp(name.back())) {
    name.remove_suffix(1);
    space_before_colon = true;
  }
  if (colon == std::string_view::npos || !valid_field_name(name)) {
    log_.raise(Anomaly::HeaderWithoutColon, "line without field name ends header block");
    return Step::EndReplayLine;
  }
  if (space_before_colon)
    log_.raise(Anomaly::ObsoleteHeaderSyntax, "whitespace before header colon");
  field_.assign(name);
  name_length_ = name.size();
  field_.append(line.substr(colon + 1));
  has_field_ = true;
  return Step::More;
}

}  // namespace sluice::mime
