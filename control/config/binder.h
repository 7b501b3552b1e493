// control/config/binder.h — gives the syntax tree meaning: tree -> Policy.
//
// Owns: matching blocks and keys against the schema (with suggestions for
// unknown ones), block shape rules (no 'edit' in a settings block, no direct
// 'set' in a table block), duplicate and required table entries, and storing
// converted values through the schema's field bindings.
// May call: control/config/schema.h, control/config/value_conversion.h,
// control/config/diagnostics.h.
#pragma once

#include <string_view>

#include "control/config/diagnostics.h"
#include "control/config/schema.h"
#include "control/config/syntax_tree.h"
#include "control/policy.h"

namespace sluice::control::config {

// Applies every valid setting of tree to policy (later settings override
// earlier ones, as in FortiOS) and reports the rest. Relative paths resolve
// against base_dir. checks: whether files named by ReadableFile keys are
// opened now (the loader) or left for a later full bind (a CLI candidate).
void bind(const ConfigTree& tree, std::string_view base_dir, Policy& policy, ErrorList& errors,
          FileChecks checks = FileChecks::Open);

}  // namespace sluice::control::config
