#include "scan/mime/charset.h"

#include <cstdint>

#include "scan/mime/utf7.h"

namespace sluice::mime {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool is_latin1(std::string_view cs) {
  return iequals(cs, "iso-8859-1") || iequals(cs, "latin1") || iequals(cs, "latin-1") ||
         iequals(cs, "windows-1252") || iequals(cs, "cp1252") || iequals(cs, "iso8859-1");
}

void append_utf16(std::string_view bytes, bool big_endian, std::string& out) {
  size_t i = 0;
  if (bytes.size() >= 2) {
    const auto b0 = static_cast<uint8_t>(bytes[0]), b1 = static_cast<uint8_t>(bytes[1]);
    if (b0 == 0xFE && b1 == 0xFF) { big_endian = true; i = 2; }
    else if (b0 == 0xFF && b1 == 0xFE) { big_endian = false; i = 2; }
  }
  auto unit = [&](size_t at) -> char32_t {
    const auto a = static_cast<uint8_t>(bytes[at]), b = static_cast<uint8_t>(bytes[at + 1]);
    return big_endian ? (char32_t(a) << 8 | b) : (char32_t(b) << 8 | a);
  };
  for (; i + 1 < bytes.size(); i += 2) {
    char32_t cp = unit(i);
    if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < bytes.size()) {
      const char32_t low = unit(i + 2);
      if (low >= 0xDC00 && low < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    append_code_point(cp, out);
  }
  if (i < bytes.size()) append_code_point(0xFFFD, out);  // odd trailing byte
}

}  // namespace

void append_code_point(char32_t cp, std::string& out) {
  if ((cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_as_utf8(std::string_view charset, std::string_view bytes, std::string& out) {
  if (is_latin1(charset)) {
    for (unsigned char c : bytes) append_code_point(c, out);
  } else if (iequals(charset, "utf-16") || iequals(charset, "utf-16be") ||
             iequals(charset, "ucs-2") || iequals(charset, "unicode")) {
    append_utf16(bytes, true, out);
  } else if (iequals(charset, "utf-16le")) {
    append_utf16(bytes, false, out);
  } else if (is_utf7_charset(charset)) {
    append_utf7_as_utf8(bytes, out);  // MIME-15: what a UTF-7 reader shows, so header rules see it too
  } else {
    out.append(bytes);
  }
}

}  // namespace sluice::mime
