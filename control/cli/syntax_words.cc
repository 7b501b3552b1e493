// control/cli/syntax_words.cc — the syntax tokenizer: words, <placeholders>, [optional groups].
#include "control/cli/syntax_words.h"

namespace sluice::control::cli {

std::string joined(std::span<const std::string_view> words) {
  std::string s;
  for (std::string_view w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

namespace {

// Index just past the bracket that closes the one at `open`, counting both kinds so that
// "<vip-name|host[:port]>" and "[lines <n>]" close where a reader expects.
size_t closing(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '<' || s[i] == '[') ++depth;
    if (s[i] == '>' || s[i] == ']') --depth;
    if (depth == 0) return i + 1;
  }
  return s.size();
}

bool ends_with_dots(std::string_view s) { return s.size() >= 3 && s.substr(s.size() - 3) == "..."; }

}  // namespace

std::vector<SyntaxToken> syntax_tokens(std::string_view syntax) {
  std::vector<SyntaxToken> tokens;
  size_t i = 0;
  while (i < syntax.size()) {
    if (syntax[i] == ' ') {
      ++i;
      continue;
    }
    if (syntax[i] == '<') {
      const size_t end = closing(syntax, i);
      const std::string_view text = syntax.substr(i, end - i);
      tokens.push_back({SyntaxToken::Kind::Placeholder, text, ends_with_dots(text.substr(0, text.size() - 1)), false});
      i = end;
    } else if (syntax[i] == '[') {
      const size_t end = closing(syntax, i);
      const std::string_view inside = syntax.substr(i + 1, end - i - 2);
      const bool one_bare_word = inside.find_first_of(" <[") == std::string_view::npos;
      const bool after_placeholder = !tokens.empty() && tokens.back().kind == SyntaxToken::Kind::Placeholder;
      const bool variadic = ends_with_dots(inside);
      tokens.push_back({SyntaxToken::Kind::Optional, inside, variadic,
                        one_bare_word && (variadic || after_placeholder)});
      i = end;
    } else {
      size_t end = syntax.find(' ', i);
      if (end == std::string_view::npos) end = syntax.size();
      tokens.push_back({SyntaxToken::Kind::Literal, syntax.substr(i, end - i), false, false});
      i = end;
    }
  }
  return tokens;
}

std::vector<std::string_view> choice_keywords(const SyntaxToken& token) {
  if (token.kind != SyntaxToken::Kind::Placeholder || token.text.size() < 3) return {};
  const std::string_view inside = token.text.substr(1, token.text.size() - 2);
  if (inside.find('|') == std::string_view::npos) return {};
  std::vector<std::string_view> keywords;
  size_t start = 0;
  while (start <= inside.size()) {
    size_t bar = inside.find('|', start);
    if (bar == std::string_view::npos) bar = inside.size();
    const std::string_view word = inside.substr(start, bar - start);
    if (word.empty()) return {};
    for (char c : word) {
      if (c < 'a' || c > 'z') return {};
    }
    keywords.push_back(word);
    start = bar + 1;
  }
  return keywords;
}

}  // namespace sluice::control::cli
