// scan/url/pdf_lexer.h — PDF lexing just far enough to find strings and FlateDecode stream bodies.
//
// Owns: the byte-at-a-time PDF lexer of PdfUrlScanner (ISO 32000-1 §7.2, §7.3). It copies the content of PDF
// strings, escapes decoded — literal strings ("(http:\/\/ev\151l.example)", balanced parentheses, backslash-newline
// continuations) and hex strings ("<687474703a2f2f...>") — into the caller's buffer, each string ended by a space,
// so a link written in escapes reads as the PDF reader would follow it. With stream tracking on it also follows
// the names of each dictionary ("/Filter /FlateDecode", "/Filter [/Fl ...]", names with "#xx" escapes decoded as
// readers decode them) and stops right after a "stream" keyword and its end of line whose dictionary's first filter
// is FlateDecode, so the caller can inflate the body. /Length is deliberately not read: a reader that finds no
// "endstream" where /Length points searches for it, so a short /Length must not end the inflation early; zlib
// knows where its own data ends.
// State between calls is a few bytes (the current token is at most kMaxToken bytes); O(1) per byte.
// May call: the C++ standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::url {

class PdfLexer {
 public:
  // Names and keywords longer than this match nothing ("/FlateDecode" is 11).
  static constexpr size_t kMaxToken = 32;

  // track_streams: stop at FlateDecode stream bodies (the file's own bytes); off for inflated content, which by
  // the PDF rules holds no streams (object streams hold no streams; content streams hold none).
  explicit PdfLexer(bool track_streams) : track_streams_(track_streams) {}

  void reset();
  // Lexes bytes, appending decoded string content to `strings`. Returns how many bytes were consumed: all of
  // them, or fewer when a FlateDecode stream body starts right after the returned count (flate_body() is then
  // true until the next call).
  size_t lex(std::string_view bytes, std::string& strings);
  bool flate_body() const { return flate_body_; }
  // Ends an open string (at the end of the input or of an inflated stream): its content is followed by a space.
  void end_input(std::string& strings);

 private:
  enum class State : uint8_t { Outside, Comment, AfterLess, Hex, Literal, Escape, Octal, EscapeCr, StreamEol };
  enum class Token : uint8_t { None, Name, Keyword };

  void step(char c, std::string& out);
  void step_outside(char c);
  void step_literal(char c, std::string& out);
  void end_string(std::string& out);
  // Stream tracking: tokens in Outside.
  void token_byte(char c);
  void end_token();
  void on_name(std::string_view name);
  void on_keyword(std::string_view word);

  const bool track_streams_;
  State state_ = State::Outside;
  uint64_t depth_ = 0;     // literal string parentheses; PDF allows any nesting
  int hex_high_ = -1;      // first nibble of a hex pair, or -1
  uint8_t octal_ = 0;      // value of a \ddd escape so far
  uint8_t octal_digits_ = 0;

  Token token_ = Token::None;
  std::string token_text_;   // at most kMaxToken bytes
  bool token_overlong_ = false;
  int8_t name_escape_ = -1;  // "#xx" in a name: -1 none, 0 after '#', 1 after the first digit
  uint8_t name_escape_value_ = 0;
  bool awaiting_filter_ = false;   // after /Filter (and its '['): the next name is the first filter
  bool flate_ = false;             // the current dictionary's first filter is FlateDecode
  bool flate_body_ = false;        // lex() stopped at a FlateDecode body
};

}  // namespace sluice::url
