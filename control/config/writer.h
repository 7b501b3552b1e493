// control/config/writer.h — a Policy back to configuration text ('show').
//
// Owns: printing every block and key of the schema with the current values, in
// the language the parser reads, so that loading the output gives the same
// Policy (paths come out already resolved, hence absolute where they were).
// May call: control/config/schema.h.
#pragma once

#include <string>

#include "control/policy.h"

namespace sluice::control::config {

// Full configuration: every block, every key, defaults included (like
// FortiOS 'show full-configuration'). Empty lists are left out.
std::string write_config(const Policy& policy);

// A word as the lexer would read it back: bare when it can be, otherwise
// double-quoted with \" and \\ escaped. The language has no escape for a
// line break, and the parser never produces one inside a value.
std::string quote_word(const std::string& word);

}  // namespace sluice::control::config
