#include "scan/mime/filename_sanitiser.h"

#include <string_view>

namespace sluice::mime {
namespace {

// Length of the bidi control starting at s[i] in UTF-8, or 0.
size_t bidi_control_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (i + 1 < s.size() && at(0) == 0xD8 && at(1) == 0x9C) return 2;  // U+061C
  if (i + 2 >= s.size() || at(0) != 0xE2) return 0;
  if (at(1) == 0x80 && (at(2) == 0x8E || at(2) == 0x8F || (at(2) >= 0xAA && at(2) <= 0xAE)))
    return 3;  // U+200E, U+200F, U+202A..U+202E
  if (at(1) == 0x81 && at(2) >= 0xA6 && at(2) <= 0xA9) return 3;  // U+2066..U+2069
  return 0;
}

}  // namespace

bool sanitise_filename(std::string& name, uint32_t max_bytes) {
  std::string clean;
  clean.reserve(name.size());
  const std::string_view s = name;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      clean.push_back('_');
      ++i;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F &&
               static_cast<unsigned char>(s[i + 1]) >= 0x80) {
      clean.push_back('_');  // C1 control
      i += 2;
    } else if (const size_t bidi = bidi_control_length(s, i); bidi != 0) {
      clean.push_back('_');
      i += bidi;
    } else {
      clean.push_back(s[i]);
      ++i;
    }
  }
  bool truncated = false;
  if (clean.size() > max_bytes) {
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;
    clean.resize(cut);
    truncated = true;
  }
  name.swap(clean);
  return truncated;
}

}  // namespace sluice::mime
