// control/cli/command_table.h — every command sluicectl and the daemon know, with its help.
//
// Owns: the command table (syntax, one-line summary, a real example, group), the help text built from it,
// and the fixed leading words of each syntax. It is the single source of truth: sluicectl's `help` and TAB
// completion, the daemon's "unknown command" check (control/cli/command_lookup.h) and docs/cli.md (checked
// by tests/unit/cli) all read it, so a command cannot exist in one place and not the others.
// May call: the C++ standard library only.
//
// Syntax notation: plain words are literal; <name> is a value the operator types; <name...> is one or more
// values; [ ... ] is optional; <a|b> with plain-word alternatives is a choice of keywords. The "fixed words"
// of a syntax are its literal words before the first placeholder or optional group.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::cli {

struct CommandSpec {
  std::string_view syntax;    // e.g. "show session [src <ip>] [dst <ip>] [port <n>] [vip <name>]"
  std::string_view summary;   // one line
  std::string_view example;   // a real example line; starts with the syntax's fixed words
  std::string_view group;     // "Configuration", "Show", "Diagnose", "Execute", "Shell"
};

// The groups in the order help and docs/cli.md present them.
std::span<const std::string_view> command_groups();

std::span<const CommandSpec> command_table();

// The entries whose syntax starts with the given words ("show", "show log"); empty = all.
// Words are compared whole against the syntax's leading tokens (placeholders never match).
std::vector<const CommandSpec*> find_commands(std::span<const std::string_view> words);

// The full help text sluicectl prints for `help` (grouped, syntax + summary + example).
std::string help_text();

// Help for the commands find_commands(words) returns, in the same layout; words empty = help_text().
// When nothing matches: "no command starts with '<words>'" plus a did-you-mean, and *found = false.
std::string help_text_for(std::span<const std::string_view> words, bool* found = nullptr);

// The fixed leading words of one syntax ("show log" for "show log [follow] [lines <n>]").
std::string fixed_words(std::string_view syntax);

// The fixed leading words of every syntax ("show log", "diagnose debug flow filter", ...), in table order,
// without duplicates; for completion and for the daemon's "unknown command 'x' (did you mean 'y'?)".
std::vector<std::string> command_words();

}  // namespace sluice::control::cli
