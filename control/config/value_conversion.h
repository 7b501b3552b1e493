// control/config/value_conversion.h — the words of one 'set' to a typed value.
//
// Owns: reading each ValueKind (integers and ranges, enum words, addresses,
// ports, paths and their resolution against the config's directory, files
// that must be readable when loaded) and the error text when the words do
// not fit.
// May call: control/config/schema.h, control/config/diagnostics.h.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/schema.h"
#include "control/config/syntax_tree.h"

namespace sluice::control::config {

// values is never empty (the parser guarantees it). Returns nullopt after
// reporting an error at the offending word.
std::optional<BoundValue> convert_value(const KeySpec& key, const std::vector<Word>& values, std::string_view base_dir,
                                        ErrorList& errors);

}  // namespace sluice::control::config
