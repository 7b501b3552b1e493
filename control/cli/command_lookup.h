// control/cli/command_lookup.h — which command of the table a command line is, or why it is none.
//
// Owns: matching a line's words against command_table()'s syntaxes: the fixed words pick the command, then
// the shape of the arguments is checked (required values present, keywords and choices spelt right, nothing
// left over). What a value means (an IP, a number, a VIP that exists) is the daemon's to check.
// The daemon answers "= error <CommandMatch::error>" with it, so the messages are written for operators.
// May call: control/cli/command_table.h, control/cli/syntax_words.h, control/config/diagnostics.h.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "control/cli/command_table.h"

namespace sluice::control::cli {

struct CommandMatch {
  const CommandSpec* spec = nullptr;  // the command; null when the words are none
  std::string error;                  // why not, e.g. "unknown command 'shwo' (did you mean 'show'?)",
                                      // "missing <count>; usage: diagnose debug flow trace start <count>"
};

// words: the line split the configuration language's way (quoted strings are one word).
CommandMatch lookup_command(std::span<const std::string_view> words);

}  // namespace sluice::control::cli
