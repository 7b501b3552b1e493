// UTF-7 decoding (RFC 2152); see utf7.h.
#include "scan/mime/utf7.h"

#include <cstdint>

#include "scan/mime/charset.h"

namespace sluice::mime {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Turns a stream of UTF-16 code units into code points: a high surrogate waits for its low partner.
class Utf16Units {
 public:
  explicit Utf16Units(std::string& out) : out_(out) {}
  void unit(char32_t u) {
    if (high_ != 0) {
      if (u >= 0xDC00 && u < 0xE000) {
        append_code_point(0x10000 + ((high_ - 0xD800) << 10) + (u - 0xDC00), out_);
        high_ = 0;
        return;
      }
      append_code_point(0xFFFD, out_);  // the high surrogate had no partner
      high_ = 0;
    }
    if (u >= 0xD800 && u < 0xDC00) {
      high_ = u;
      return;
    }
    append_code_point(u, out_);  // a lone low surrogate becomes U+FFFD there
  }
  // A run of base64 ended: a high surrogate still waiting is alone.
  void end_run() {
    if (high_ != 0) append_code_point(0xFFFD, out_);
    high_ = 0;
  }

 private:
  std::string& out_;
  char32_t high_ = 0;
};

}  // namespace

bool is_utf7_charset(std::string_view charset) {
  return iequals(charset, "utf-7") || iequals(charset, "utf7") || iequals(charset, "unicode-1-1-utf-7");
}

void append_utf7_as_utf8(std::string_view bytes, std::string& out) {
  Utf16Units units(out);
  size_t i = 0;
  while (i < bytes.size()) {
    const char c = bytes[i++];
    if (static_cast<unsigned char>(c) >= 0x80) {
      append_code_point(0xFFFD, out);
      continue;
    }
    if (c != '+') {
      out.push_back(c);
      continue;
    }
    if (i < bytes.size() && bytes[i] == '-') {  // "+-" is a literal '+'
      out.push_back('+');
      ++i;
      continue;
    }
    uint32_t bits = 0;
    int bit_count = 0;
    for (; i < bytes.size(); ++i) {
      const int v = base64_value(bytes[i]);
      if (v < 0) break;
      bits = (bits << 6 | static_cast<uint32_t>(v)) & 0x3FFFFF;  // at most 21 bits are ever pending
      bit_count += 6;
      if (bit_count >= 16) {
        bit_count -= 16;
        units.unit((bits >> bit_count) & 0xFFFF);
      }
    }
    units.end_run();
    if (i < bytes.size() && bytes[i] == '-') ++i;  // the explicit end of the run is not a character
  }
}

}  // namespace sluice::mime
