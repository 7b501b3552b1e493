// control/cli/command_lookup.cc — fixed words pick the command; the rest of the syntax checks the shape.
#include "control/cli/command_lookup.h"

#include <algorithm>
#include <vector>

#include "control/cli/syntax_words.h"
#include "control/config/diagnostics.h"

namespace sluice::control::cli {

namespace {

// Walks one syntax's tokens over the words from `pos`; on failure says what is wrong (without the usage).
class ShapeMatcher {
 public:
  explicit ShapeMatcher(std::span<const std::string_view> words) : words_(words) {}

  bool sequence(std::span<const SyntaxToken> tokens) {
    size_t t = 0;
    while (t < tokens.size()) {
      if (tokens[t].kind == SyntaxToken::Kind::Optional) {
        size_t end = t;
        while (end < tokens.size() && tokens[end].kind == SyntaxToken::Kind::Optional) ++end;
        if (!optional_run(tokens.subspan(t, end - t))) return false;
        t = end;
        continue;
      }
      if (!required(tokens[t])) return false;
      ++t;
    }
    return true;
  }

  size_t pos() const { return pos_; }
  const std::string& error() const { return error_; }

 private:
  bool required(const SyntaxToken& token) {
    if (pos_ >= words_.size()) {
      error_ = token.kind == SyntaxToken::Kind::Literal ? "missing '" + std::string(token.text) + "'"
                                                         : "missing " + std::string(token.text);
      return false;
    }
    const std::string_view word = words_[pos_];
    if (token.kind == SyntaxToken::Kind::Literal) {
      if (word != token.text) {
        error_ = "expected '" + std::string(token.text) + "', not '" + std::string(word) + "'";
        return false;
      }
      ++pos_;
      return true;
    }
    const std::vector<std::string_view> choices = choice_keywords(token);
    if (!choices.empty() && std::find(choices.begin(), choices.end(), word) == choices.end()) {
      error_ = "'" + std::string(word) + "' is not one of " + joined(choices) +
               config::did_you_mean(word, choices);
      return false;
    }
    pos_ = token.variadic ? words_.size() : pos_ + 1;
    return true;
  }

  // Keyword groups ("[src <ip>] [port <n>]") may come in any order, each once; a free-words group
  // ("[comment...]", "[value]") takes what no keyword group claims.
  bool optional_run(std::span<const SyntaxToken> groups) {
    std::vector<bool> used(groups.size(), false);
    while (pos_ < words_.size()) {
      bool progressed = false;
      for (size_t g = 0; g < groups.size() && !progressed; ++g) {
        if (used[g] || groups[g].free_words) continue;
        const std::vector<SyntaxToken> inner = syntax_tokens(groups[g].text);
        if (inner.empty() || inner[0].kind != SyntaxToken::Kind::Literal || inner[0].text != words_[pos_]) continue;
        used[g] = true;
        if (!sequence(inner)) return false;
        progressed = true;
      }
      for (size_t g = 0; g < groups.size() && !progressed; ++g) {
        if (used[g] || !groups[g].free_words) continue;
        used[g] = true;
        pos_ = groups[g].variadic ? words_.size() : pos_ + 1;
        progressed = true;
      }
      if (!progressed) break;
    }
    return true;
  }

  std::span<const std::string_view> words_;
  size_t pos_ = 0;
  std::string error_;
};

// The literal tokens that may follow words[0..k) among the commands starting with them.
std::vector<std::string_view> next_words(std::span<const std::string_view> prefix) {
  std::vector<std::string_view> next;
  for (const CommandSpec* spec : find_commands(prefix)) {
    const std::vector<SyntaxToken> tokens = syntax_tokens(spec->syntax);
    if (prefix.size() < tokens.size() && tokens[prefix.size()].kind == SyntaxToken::Kind::Literal &&
        std::find(next.begin(), next.end(), tokens[prefix.size()].text) == next.end()) {
      next.push_back(tokens[prefix.size()].text);
    }
  }
  return next;
}

}  // namespace

CommandMatch lookup_command(std::span<const std::string_view> words) {
  if (words.empty()) return {nullptr, "empty command"};

  // The command whose fixed words are the longest prefix of the line.
  const CommandSpec* best = nullptr;
  size_t best_length = 0;
  for (const CommandSpec& spec : command_table()) {
    const std::vector<SyntaxToken> tokens = syntax_tokens(spec.syntax);
    size_t fixed = 0;
    while (fixed < tokens.size() && tokens[fixed].kind == SyntaxToken::Kind::Literal) ++fixed;
    if (fixed > words.size() || (best != nullptr && fixed <= best_length)) continue;
    bool match = true;
    for (size_t i = 0; i < fixed && match; ++i) match = tokens[i].text == words[i];
    if (match) {
      best = &spec;
      best_length = fixed;
    }
  }

  if (best != nullptr) {
    const std::vector<SyntaxToken> tokens = syntax_tokens(best->syntax);
    ShapeMatcher matcher(words);
    std::string error;
    if (!matcher.sequence(tokens)) {
      error = matcher.error();
    } else if (matcher.pos() < words.size()) {
      error = "unexpected '" + std::string(words[matcher.pos()]) + "'";
    }
    if (error.empty()) return {best, {}};
    return {nullptr, error + "; usage: " + std::string(best->syntax)};
  }

  // No command: how far do the words follow some syntax, and what could come next there?
  size_t known = 0;
  while (known < words.size() && !find_commands(words.first(known + 1)).empty()) ++known;
  const std::vector<std::string_view> next = next_words(words.first(known));
  const std::string prefix = known == 0 ? std::string() : joined(words.first(known)) + " ";
  if (known == words.size()) {
    return {nullptr, "incomplete command '" + joined(words) + "'; it goes on with one of: " + joined(next)};
  }
  std::string message = "unknown command '" + prefix + std::string(words[known]) + "'";
  const std::string_view close = config::closest_match(words[known], next);
  if (!close.empty()) message += " (did you mean '" + prefix + std::string(close) + "'?)";
  return {nullptr, message};
}

}  // namespace sluice::control::cli
