// control/cli/completion.cc — candidate words for TAB, walked from each syntax's tokens.
#include "control/cli/completion.h"

#include <algorithm>

#include "control/cli/command_table.h"
#include "control/cli/syntax_words.h"

namespace sluice::control::cli {

namespace {

// Keywords a command's optional groups offer once its required tokens are typed. Nothing while the last
// word is a keyword still waiting for its value ("show session src |").
void optional_keywords(const std::vector<SyntaxToken>& tokens, std::span<const std::string_view> before,
                       std::vector<std::string>& out) {
  for (const SyntaxToken& token : tokens) {
    if (token.kind != SyntaxToken::Kind::Optional || token.free_words) continue;
    const std::vector<SyntaxToken> inner = syntax_tokens(token.text);
    if (inner.empty() || inner[0].kind != SyntaxToken::Kind::Literal) continue;
    if (!before.empty() && before.back() == inner[0].text && inner.size() > 1) {
      out.clear();
      return;
    }
  }
  for (const SyntaxToken& token : tokens) {
    if (token.kind != SyntaxToken::Kind::Optional || token.free_words) continue;
    const std::vector<SyntaxToken> inner = syntax_tokens(token.text);
    if (inner.empty() || inner[0].kind != SyntaxToken::Kind::Literal) continue;
    if (std::find(before.begin(), before.end(), inner[0].text) == before.end()) {
      out.emplace_back(inner[0].text);
    }
  }
}

}  // namespace

std::vector<std::string> completions(std::span<const std::string_view> before, std::string_view partial) {
  std::vector<std::string> found;
  for (const CommandSpec& spec : command_table()) {
    const std::vector<SyntaxToken> tokens = syntax_tokens(spec.syntax);
    // The required tokens typed so far must fit: literals equal, placeholders take any word.
    size_t t = 0;
    bool fits = true;
    for (; t < before.size() && fits; ++t) {
      if (t >= tokens.size() || tokens[t].kind == SyntaxToken::Kind::Optional) break;
      if (tokens[t].kind == SyntaxToken::Kind::Literal) fits = tokens[t].text == before[t];
      if (tokens[t].kind == SyntaxToken::Kind::Placeholder && tokens[t].variadic) {
        t = before.size();  // a <value...> swallows the rest: nothing to offer
        break;
      }
    }
    if (!fits) continue;
    std::vector<std::string> here;
    if (t == before.size() && t < tokens.size() && tokens[t].kind == SyntaxToken::Kind::Literal) {
      here.emplace_back(tokens[t].text);
    } else if (t == before.size() && t < tokens.size() && tokens[t].kind == SyntaxToken::Kind::Placeholder) {
      for (std::string_view keyword : choice_keywords(tokens[t])) here.emplace_back(keyword);
    } else if (t < tokens.size() && tokens[t].kind == SyntaxToken::Kind::Optional) {
      optional_keywords(tokens, before.subspan(t), here);
    }
    for (std::string& word : here) {
      if (word.starts_with(partial)) found.push_back(std::move(word));
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

}  // namespace sluice::control::cli
