// control/cli/completion.h — what TAB may complete, from the command table alone.
//
// Owns: the static completion rules: the next fixed word of every command the typed words can still be,
// the keywords of a choice (<src|dst|...>) in that place, and the keywords of optional groups
// ([follow], [lines <n>], [src <ip>]) not typed yet. Names that only the daemon knows (VIPs, keys) are not
// offered. No line editor here: sluicectl's shell hands it words and prints what it returns.
// May call: control/cli/command_table.h, control/cli/syntax_words.h.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::cli {

// The words that may replace `partial` after the complete words `before`, sorted, without duplicates.
std::vector<std::string> completions(std::span<const std::string_view> before, std::string_view partial);

}  // namespace sluice::control::cli
