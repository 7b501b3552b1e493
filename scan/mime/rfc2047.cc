#include "scan/mime/rfc2047.h"

#include "scan/mime/base64_decoder.h"
#include "scan/mime/charset.h"

namespace sluice::mime {
namespace {

struct EncodedWord {
  std::string_view charset;   // without an RFC 2231 "*lang" suffix
  char encoding = 0;          // 'B' or 'Q'
  std::string_view payload;
  size_t length = 0;          // bytes of the whole word in the input
};

// Charset names are short; a longer run is not an encoded word. Bounding it keeps
// every parse attempt O(1) apart from the cached searches below.
constexpr size_t kMaxCharsetLength = 64;

// Finds encoded words left to right. The next "?=" and the next whitespace are
// cached so that hostile input ("=?a?B?" repeated, no "?=") stays linear.
class WordScanner {
 public:
  explicit WordScanner(std::string_view text) : text_(text) {}

  // Parses an encoded word starting at text[at] == '='.
  bool parse(size_t at, EncodedWord& w) {
    const std::string_view t = text_.substr(at);
    if (t.size() < 8 || t[0] != '=' || t[1] != '?') return false;
    const size_t q1 = t.substr(0, kMaxCharsetLength + 3).find('?', 2);
    if (q1 == std::string_view::npos || q1 == 2 || q1 + 3 >= t.size() || t[q1 + 2] != '?')
      return false;
    const char enc = t[q1 + 1];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
    const size_t payload_at = at + q1 + 3;
    const size_t close = next(close_, payload_at, "?=");
    if (close == std::string_view::npos) return false;
    if (next(space_, payload_at, "") < close) return false;
    w.charset = t.substr(2, q1 - 2);
    if (const size_t star = w.charset.find('*'); star != std::string_view::npos)
      w.charset = w.charset.substr(0, star);
    w.encoding = static_cast<char>(enc & ~0x20);
    w.payload = text_.substr(payload_at, close - payload_at);
    w.length = close + 2 - at;
    return true;
  }

 private:
  // Position of the next `needle` (empty needle: next whitespace) at or after `from`.
  size_t next(size_t& cache, size_t from, std::string_view needle) {
    if (cache != kUnknown && (cache == std::string_view::npos || cache >= from)) return cache;
    cache = needle.empty() ? text_.find_first_of(" \t\r\n", from) : text_.find(needle, from);
    return cache;
  }
  static constexpr size_t kUnknown = std::string_view::npos - 1;

  std::string_view text_;
  size_t close_ = kUnknown;
  size_t space_ = kUnknown;
};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void decode_payload(const EncodedWord& w, std::string& bytes) {
  bytes.clear();
  if (w.encoding == 'B') {
    Base64Decoder b64;
    b64.feed(w.payload, bytes);
    b64.finish(bytes);
    return;
  }
  for (size_t i = 0; i < w.payload.size(); ++i) {
    const char c = w.payload[i];
    if (c == '_') {
      bytes.push_back(' ');
    } else if (c == '=' && i + 2 < w.payload.size() && hex(w.payload[i + 1]) >= 0 &&
               hex(w.payload[i + 2]) >= 0) {
      bytes.push_back(static_cast<char>(hex(w.payload[i + 1]) * 16 + hex(w.payload[i + 2])));
      i += 2;
    } else {
      bytes.push_back(c);
    }
  }
}

bool only_whitespace(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

void decode_rfc2047_into(std::string_view text, std::string& out) {
  std::string bytes;
  WordScanner scanner(text);
  size_t pos = 0;
  size_t after_last_word = std::string_view::npos;  // output size right after a word
  while (pos < text.size()) {
    const size_t start = text.find("=?", pos);
    if (start == std::string_view::npos) break;
    EncodedWord w;
    if (!scanner.parse(start, w)) {
      out.append(text.substr(pos, start + 2 - pos));
      pos = start + 2;
      after_last_word = std::string_view::npos;
      continue;
    }
    const std::string_view gap = text.substr(pos, start - pos);
    if (!(after_last_word == out.size() && only_whitespace(gap))) out.append(gap);
    decode_payload(w, bytes);
    append_as_utf8(w.charset, bytes, out);
    after_last_word = out.size();
    pos = start + w.length;
  }
  out.append(text.substr(pos));
}

std::string decode_rfc2047(std::string_view text) {
  std::string out;
  decode_rfc2047_into(text, out);
  return out;
}

bool has_rfc2047_word(std::string_view text) {
  WordScanner scanner(text);
  for (size_t at = text.find("=?"); at != std::string_view::npos; at = text.find("=?", at + 2)) {
    EncodedWord w;
    if (scanner.parse(at, w)) return true;
  }
  return false;
}

}  // namespace sluice::mime
