// tests/unit/control/load_helpers.h — shorthands shared by the control tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/policy.h"

namespace sluice::control::testing {

// Loads text as if it were /etc/sluice/t.conf.
inline LoadResult load(std::string_view text) { return load_config_text(text, "t.conf", "/etc/sluice"); }

// Every error as "file:line:col: message", in report order.
inline std::vector<std::string> error_lines(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

}  // namespace sluice::control::testing
