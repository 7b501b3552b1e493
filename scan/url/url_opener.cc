#include "scan/url/url_opener.h"

#include <array>

namespace sluice::url::detail {
namespace {

constexpr std::array<std::string_view, 5> kSchemes = {"https", "http", "hxxps", "hxxp", "ftp"};
constexpr std::array<std::string_view, 3> kSeparators = {":", "[:]", "(:)"};
constexpr std::array<std::string_view, 3> kWwwOpeners = {"www.", "www[.]", "www(.)"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  const size_t offset = text.size() - suffix.size();
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (lower(text[offset + i]) != suffix[i]) return false;
  }
  return true;
}

bool is_name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

size_t scheme_opener_length(std::string_view text) {
  for (auto separator : kSeparators) {
    if (!ends_with_ci(text, separator)) continue;
    const std::string_view before = text.substr(0, text.size() - separator.size());
    for (auto scheme : kSchemes) {
      if (ends_with_ci(before, scheme)) return scheme.size() + separator.size();
    }
  }
  return 0;
}

size_t www_opener_length(std::string_view text) {
  for (auto opener : kWwwOpeners) {
    if (!ends_with_ci(text, opener)) continue;
    const size_t start = text.size() - opener.size();
    if (start > 0 && is_name_byte(text[start - 1])) return 0;
    return opener.size();
  }
  return 0;
}

size_t find_embedded_opener(std::string_view candidate, size_t from, size_t& slash) {
  for (size_t i = from; i < candidate.size(); ++i) {
    if (!is_slash(candidate[i])) continue;
    const size_t window_start = i > kMaxOpenerLength ? i - kMaxOpenerLength : 0;
    const size_t length = scheme_opener_length(candidate.substr(window_start, i - window_start));
    if (length == 0 || length >= i) continue;  // position 0 is the candidate itself
    slash = i;
    return i - length;
  }
  return std::string_view::npos;
}

std::string_view trim_trailing_punctuation(std::string_view candidate) {
  // Count brackets once so trimming stays linear in the candidate length.
  size_t open_paren = 0, close_paren = 0, open_square = 0, close_square = 0, open_brace = 0, close_brace = 0;
  for (char c : candidate) {
    open_paren += c == '(';
    close_paren += c == ')';
    open_square += c == '[';
    close_square += c == ']';
    open_brace += c == '{';
    close_brace += c == '}';
  }
  while (!candidate.empty()) {
    const char last = candidate.back();
    if (last == ')' && close_paren > open_paren) {
      --close_paren;
    } else if (last == ']' && close_square > open_square) {
      --close_square;
    } else if (last == '}' && close_brace > open_brace) {
      --close_brace;  // CSS: url(http://a/x)}
    } else if (std::string_view(".,;:!?'\"*").find(last) == std::string_view::npos) {
      break;
    }
    candidate.remove_suffix(1);
  }
  return candidate;
}

}  // namespace sluice::url::detail
