#include "scan/mime/uu_decoder.h"

namespace sluice::mime {
namespace {

// uuencode maps 6 bits to ' '..'_'; '`' is the common stand-in for ' '.
unsigned sextet(char c) { return static_cast<unsigned>(c - ' ') & 0x3F; }

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool UuDecoder::parse_begin(std::string_view line) {
  constexpr std::string_view kBegin = "begin ";
  if (line.substr(0, kBegin.size()) != kBegin) return false;
  line.remove_prefix(kBegin.size());
  size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '7') ++digits;
  if (digits < 3 || digits > 4 || digits >= line.size() || line[digits] != ' ') return false;
  std::string_view name = trim_right(line.substr(digits + 1));
  if (name.empty()) return false;
  filename_.assign(name);
  return true;
}

UuDecoder::Event UuDecoder::line(std::string_view line, std::string& out) {
  if (!in_block_) {
    if (!parse_begin(line)) return Event::None;
    in_block_ = true;
    return Event::Begin;
  }
  if (trim_right(line) == "end") {
    in_block_ = false;
    return Event::End;
  }
  if (line.empty()) return Event::None;
  // The first character says how many bytes the line carries; trust it only as
  // far as the characters present go, so a short line never reads past its end.
  size_t want = sextet(line[0]);
  const std::string_view body = line.substr(1);
  const size_t before = out.size();
  for (size_t i = 0; i + 1 < body.size() && want > 0; i += 4) {
    const unsigned a = sextet(body[i]);
    const unsigned b = sextet(body[i + 1]);
    const unsigned c = i + 2 < body.size() ? sextet(body[i + 2]) : 0;
    const unsigned d = i + 3 < body.size() ? sextet(body[i + 3]) : 0;
    const unsigned char bytes[3] = {static_cast<unsigned char>((a << 2) | (b >> 4)),
                                    static_cast<unsigned char>((b << 4) | (c >> 2)),
                                    static_cast<unsigned char>((c << 6) | d)};
    for (int k = 0; k < 3 && want > 0; ++k, --want) out.push_back(static_cast<char>(bytes[k]));
  }
  return out.size() > before ? Event::Data : Event::None;
}

void UuDecoder::reset() {
  in_block_ = false;
  filename_.clear();
}

}  // namespace sluice::mime
