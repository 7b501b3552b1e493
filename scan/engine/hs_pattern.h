// Glue between PatternEntry and Hyperscan's compile-time structures. Internal to scan/engine.
//
// Owns: turning a PatternEntry's end-offset bounds into hs_expr_ext_t, and asking Hyperscan
// whether one pattern compiles. Calls: Hyperscan (hs_compile.h) only.
#pragma once

#include <hs/hs_compile.h>

#include <string>

#include "scan/engine/signature_set.h"

namespace sluice::engine {

hs_expr_ext_t expression_ext(const PatternEntry& entry);

// Asks Hyperscan whether `entry` compiles, without building a database. On failure writes
// Hyperscan's message to *error and returns false.
bool hyperscan_accepts(const PatternEntry& entry, std::string* error);

}  // namespace sluice::engine
