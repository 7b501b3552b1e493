// control/config/lexer.h — configuration text to statements of words.
//
// Owns: the lexical rules: one statement per line, words split on blanks,
// "double-quoted strings" with \" and \\ escapes, '#' comments outside quotes,
// LF or CRLF line ends. Knows no keywords; control/config/parser.h does.
// May call: control/config/diagnostics.h.
#pragma once

#include <string_view>
#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/syntax_tree.h"

namespace sluice::control::config {

// The non-empty lines of a file, each as its words.
struct LexedText {
  std::vector<std::vector<Word>> statements;
  SourcePosition end_of_text;  // just past the last character, for "before end of file" errors
};

// Never fails outright: a broken string is reported and kept as far as it got,
// so the statements around it still parse.
LexedText lex(std::string_view text, ErrorList& errors);

}  // namespace sluice::control::config
