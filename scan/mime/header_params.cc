#include "scan/mime/header_params.h"

namespace sluice::mime {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Skips a comment starting at s[i] == '('; returns the index after it.
size_t skip_comment(std::string_view s, size_t i) {
  int level = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '(') {
      ++level;
    } else if (s[i] == ')' && --level == 0) {
      return i + 1;
    }
  }
  return s.size();
}

// Reads a quoted string starting at s[i] == '"' into out; returns the index after it.
size_t read_quoted(std::string_view s, size_t i, std::string& out) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.push_back(s[++i]);
    } else if (s[i] == '"') {
      return i + 1;
    } else {
      out.push_back(s[i]);
    }
  }
  return s.size();
}

size_t skip_cfws(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (is_space(s[i])) ++i;
    else if (s[i] == '(') i = skip_comment(s, i);
    else break;
  }
  return i;
}

void trim_right(std::string& s) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
}

// Reads one "name=value" (or junk) starting at i; returns the index of the next ';'.
size_t read_param(std::string_view s, size_t i, std::vector<HeaderParam>& params) {
  HeaderParam p;
  while (i < s.size() && s[i] != '=' && s[i] != ';') {
    if (s[i] == '(') {
      i = skip_comment(s, i);
      continue;
    }
    if (!is_space(s[i])) p.name.push_back(lower(s[i]));
    ++i;
  }
  if (i >= s.size() || s[i] == ';' || p.name.empty()) return i;  // junk without '='
  i = skip_cfws(s, i + 1);
  if (i < s.size() && s[i] == '"') {
    p.quoted = true;
    i = read_quoted(s, i, p.value);
    while (i < s.size() && s[i] != ';') {  // junk after the closing quote
      i = s[i] == '(' ? skip_comment(s, i) : i + 1;
    }
  } else {
    // Unquoted: up to ';', comments removed, outer whitespace trimmed. Inner
    // spaces are kept ("b c"): the boundary code offers both readings.
    while (i < s.size() && s[i] != ';') {
      if (s[i] == '(') {
        i = skip_comment(s, i);
        continue;
      }
      p.value.push_back(s[i++]);
    }
    trim_right(p.value);
  }
  params.push_back(std::move(p));
  return i;
}

}  // namespace

void parse_structured_value(std::string_view value, StructuredValue& out) {
  out.token.clear();
  out.params.clear();
  size_t i = 0;
  while (i < value.size() && value[i] != ';') {
    if (value[i] == '(') {
      i = skip_comment(value, i);
      continue;
    }
    if (value[i] == '"') {  // a quoted type is nonsense; keep its letters visible
      std::string quoted;
      i = read_quoted(value, i, quoted);
      for (char c : quoted) out.token.push_back(lower(c));
      continue;
    }
    if (!is_space(value[i])) out.token.push_back(lower(value[i]));
    ++i;
  }
  while (i < value.size()) {
    i = skip_cfws(value, i + 1);  // past ';'
    i = read_param(value, i, out.params);
  }
}

void split_words_without_comments(std::string_view value, std::vector<std::string>& words) {
  words.clear();
  bool in_word = false;
  for (size_t i = 0; i < value.size();) {
    if (value[i] == '(') {
      i = skip_comment(value, i);
      in_word = false;
    } else if (is_space(value[i])) {
      ++i;
      in_word = false;
    } else {
      if (!in_word) words.emplace_back();
      words.back().push_back(value[i++]);
      in_word = true;
    }
  }
}

}  // namespace sluice::mime
