// control/cli/syntax_words.h — splits a command syntax ("show log [follow] [lines <n>]") into tokens.
//
// Owns: the notation of command_table.h's syntax strings: literal words, <placeholders> (<x...> takes one
// or more words; <a|b|c> whose alternatives are all plain lower-case letters is a choice of keywords) and
// [optional groups], which nest. An optional group of one bare word is a keyword ("[follow]") unless the
// word ends in "..." ("[comment...]": free words) or the group directly follows a placeholder ("<src|dst>
// [value]": that placeholder's value). Help, completion and command_lookup read syntaxes only through it.
// May call: the C++ standard library only.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::cli {

// Words joined by single blanks ("show log"), for messages that quote what the operator typed.
std::string joined(std::span<const std::string_view> words);
// The words of a line split at blanks and tabs (no quoting): for matching what the operator typed against the
// table, and for completion.
std::vector<std::string_view> split_blanks(std::string_view line);

struct SyntaxToken {
  enum class Kind { Literal, Placeholder, Optional };
  Kind kind;
  std::string_view text;  // Literal: the word; Placeholder: "<...>" as written; Optional: the inside of "[...]"
  bool variadic = false;  // Placeholder "<x...>" or Optional "[x...]": takes every remaining word
  bool free_words = false;  // Optional only: a value ("[value]", "[comment...]"), not a keyword group
};

// Tokens of a syntax in order. An unbalanced bracket ends its token at the end of the text; the table is
// compiled in, so tests (tests/unit/cli) pin that every entry is balanced rather than this reporting it.
std::vector<SyntaxToken> syntax_tokens(std::string_view syntax);

// The keywords of a choice placeholder "<src|dst|clear>"; empty for an ordinary placeholder such as
// "<ip>" or "<vip-name|host[:port]>".
std::vector<std::string_view> choice_keywords(const SyntaxToken& token);

}  // namespace sluice::control::cli
