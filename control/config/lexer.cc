// control/config/lexer.cc — splits configuration text into words, line by line.
#include "control/config/lexer.h"

#include <string>

namespace sluice::control::config {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Walks one line; positions are computed from the line's start so columns stay
// exact whatever the escapes inside quotes did to the word's length.
class LineLexer {
 public:
  LineLexer(std::string_view line, uint32_t line_number, ErrorList& errors)
      : line_(line), line_number_(line_number), errors_(errors) {}

  std::vector<Word> words() {
    std::vector<Word> result;
    while (true) {
      while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
      if (pos_ >= line_.size() || line_[pos_] == '#') break;
      result.push_back(line_[pos_] == '"' ? quoted_word() : bare_word());
    }
    return result;
  }

 private:
  SourcePosition here() const { return {line_number_, static_cast<uint32_t>(pos_ + 1)}; }

  Word bare_word() {
    Word word{{}, here()};
    while (pos_ < line_.size() && !is_blank(line_[pos_]) && line_[pos_] != '"' && line_[pos_] != '#') {
      word.text.push_back(line_[pos_++]);
    }
    return word;
  }

  Word quoted_word() {
    Word word{{}, here()};
    ++pos_;  // opening quote
    while (pos_ < line_.size()) {
      const char c = line_[pos_];
      if (c == '"') {
        ++pos_;
        return word;
      }
      if (c == '\\') {
        append_escape(word.text);
        continue;
      }
      word.text.push_back(c);
      ++pos_;
    }
    errors_.add(word.at, "unterminated string (missing closing '\"')");
    return word;
  }

  // Only \" and \\ exist: anything else is more likely a Windows path or a
  // regex escape written unquoted-style, and silently keeping or dropping the
  // backslash would change its meaning, so say so and keep the text as written.
  void append_escape(std::string& text) {
    const SourcePosition at = here();
    ++pos_;
    if (pos_ < line_.size() && (line_[pos_] == '"' || line_[pos_] == '\\')) {
      text.push_back(line_[pos_++]);
      return;
    }
    text.push_back('\\');
    if (pos_ >= line_.size()) return;  // the unterminated-string error will follow
    errors_.add(at, std::string("unknown escape '\\") + line_[pos_] + "' in string (only \\\" and \\\\ are allowed)");
  }

  std::string_view line_;
  uint32_t line_number_;
  ErrorList& errors_;
  size_t pos_ = 0;
};

}  // namespace

LexedText lex(std::string_view text, ErrorList& errors) {
  LexedText result;
  uint32_t line_number = 1;
  size_t start = 0;
  while (true) {
    const size_t newline = text.find('\n', start);
    const std::string_view line = text.substr(start, newline == std::string_view::npos ? text.size() - start : newline - start);
    std::vector<Word> words = LineLexer(line, line_number, errors).words();
    if (!words.empty()) result.statements.push_back(std::move(words));
    if (newline == std::string_view::npos) {
      result.end_of_text = {line_number, static_cast<uint32_t>(line.size() + 1)};
      return result;
    }
    start = newline + 1;
    ++line_number;
  }
}

}  // namespace sluice::control::config
