// Field splitting and number parsing shared by the .ndb and .hdb/.hsb line parsers.
// Internal to scan/engine. Calls: nothing outside the C++ standard library.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::engine {

// Splits on every ':' (ClamAV fields never contain one); empty fields are kept.
inline std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t colon = line.find(':', start);
    fields.push_back(line.substr(start, colon - start));
    if (colon == std::string_view::npos) return fields;
    start = colon + 1;
  }
}

// Whole-field unsigned decimal; no sign, no blanks.
template <typename Unsigned>
bool parse_decimal(std::string_view text, Unsigned* value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

// Optional functionality-level fields (MinFL, MaxFL): empty or a number. They select ClamAV
// engine versions; Sluice accepts every level, so they are validated and otherwise ignored.
inline bool valid_functionality_levels(const std::vector<std::string_view>& fields,
                                       size_t first) {
  uint32_t level = 0;
  for (size_t i = first; i < fields.size(); ++i) {
    if (!fields[i].empty() && !parse_decimal(fields[i], &level)) return false;
  }
  return true;
}

}  // namespace sluice::engine
