// scan/url/url_opener.h — how a URL begins and ends in running text.
//
// Owns: recognising the text that opens a web URL ("http:", "hxxps[:]",
// "www." ...), the bytes that end one, and the punctuation that surrounds a
// URL in prose without belonging to it. Pure functions on short views; the
// extractor applies them to its look-behind window and candidate buffer.
// May call: the C++ standard library only.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::url::detail {

// Longest opener: "hxxps" + "[:]".
constexpr size_t kMaxOpenerLength = 8;

inline bool is_slash(char c) { return c == '/' || c == '\\'; }

// Bytes that cannot be inside a URL as written in a message.
inline bool is_url_terminator(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b <= 0x20 || b == 0x7F || c == '"' || c == '<' || c == '>' || c == '`';
}

// Length of the scheme opener ("http:", "hxxp[:]", "ftp(:)") that `text`
// ends with, or 0. Called when the byte after `text` is a slash.
size_t scheme_opener_length(std::string_view text);

// Length of the "www." / "www[.]" / "www(.)" that `text` ends with, or 0.
// `text` must reach back far enough to see the byte before "www": that byte
// must not be part of a longer name ("awww." opens nothing).
size_t www_opener_length(std::string_view text);

// Finds the next scheme opener inside a finished candidate, at or after
// `from` and not at position 0. Returns its start, or npos; `slash` gets the
// index of the slash that follows the opener.
size_t find_embedded_opener(std::string_view candidate, size_t from, size_t& slash);

// `candidate` without the sentence punctuation and unbalanced closing
// brackets that prose puts after a URL: "(see http://a.example/x)." -> ".../x".
std::string_view trim_trailing_punctuation(std::string_view candidate);

}  // namespace sluice::url::detail
