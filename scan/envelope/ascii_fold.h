// scan/envelope/ascii_fold.h — ASCII case folding for mail domains and addresses.
//
// Owns: comparing a query against stored lower-case text without copying the query, so list lookups
// allocate nothing. Only A-Z fold: RFC 5321 domains are case-insensitive ASCII; UTF-8 labels
// (SMTPUTF8) are compared byte for byte.
// May call: the C++ standard library only.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::scan::envelope {

constexpr char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string folded(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), fold);
  return out;
}

// <0, 0, >0 as `stored` (already folded) sorts before, equal to, or after the folded `query`.
inline int compare_folded(std::string_view stored, std::string_view query) {
  const size_t common = std::min(stored.size(), query.size());
  for (size_t i = 0; i < common; ++i) {
    const auto a = static_cast<unsigned char>(stored[i]);
    const auto b = static_cast<unsigned char>(fold(query[i]));
    if (a != b) return a < b ? -1 : 1;
  }
  return stored.size() == query.size() ? 0 : (stored.size() < query.size() ? -1 : 1);
}

// Whether a sorted, unique vector of folded strings holds the folded query.
inline bool sorted_contains_folded(const std::vector<std::string>& sorted, std::string_view query) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), query, [](const std::string& stored, std::string_view q) {
    return compare_folded(stored, q) < 0;
  });
  return it != sorted.end() && compare_folded(*it, query) == 0;
}

}  // namespace sluice::scan::envelope
