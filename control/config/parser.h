// control/config/parser.h — statements to a tree of blocks, entries and settings.
//
// Owns: the block grammar (config ... end, edit ... next, set, unset) and its
// recovery rules; see control/config/README.md. Knows no block or key names.
// May call: control/config/lexer.h, control/config/diagnostics.h.
#pragma once

#include "control/config/diagnostics.h"
#include "control/config/lexer.h"
#include "control/config/syntax_tree.h"

namespace sluice::control::config {

// Always returns the tree of everything that parsed; misplaced statements are
// reported and skipped, unclosed blocks and entries are closed where the
// grammar proves they must end, so one mistake does not hide the rest.
ConfigTree parse(const LexedText& lexed, ErrorList& errors);

}  // namespace sluice::control::config
