// control/edit/config_diff.h — what `show diff` prints: the changes between two configurations.
//
// Owns: the line diff of two texts in config::write_config form, read as blocks and table entries so that
// every changed line comes with the `config` line (and `edit` line) it belongs to.
// May call: the standard library only (it reads the text's shape, not the schema).
#pragma once

#include <string>
#include <string_view>

namespace sluice::control::edit {

// Lines only in `before` start with "-", lines only in `after` with "+", and the enclosing
// `config` / `edit` / `next` / `end` lines of a change with " ". An entry that exists on one side only
// is printed whole. "" when the texts have the same lines.
std::string diff_config_text(std::string_view before, std::string_view after);

}  // namespace sluice::control::edit
