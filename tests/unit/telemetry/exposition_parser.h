// tests/unit/telemetry/exposition_parser.h — a strict reader of Prometheus exposition text 0.0.4, for tests.
//
// Owns: checking text line by line against the format's grammar the way a scraper (promtool check metrics,
// the Prometheus text parser) would: HELP/TYPE comments, a family's TYPE before its samples and the family
// contiguous, metric and label names, label value escapes (\\ \" \n only), numeric values, a final newline.
// Decodes samples so tests can compare values and label values with what was rendered.
// May call: nothing.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::telemetry::test {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;   // decoded values
  double value = 0;
};

struct ParsedExposition {
  std::vector<ParsedSample> samples;
  std::map<std::string, std::string> help;     // family -> decoded HELP text
  std::map<std::string, std::string> type;     // family -> TYPE
};

// "" when `text` is valid exposition text (and *out filled), else the first problem with its line number.
std::string parse_exposition(std::string_view text, ParsedExposition* out);

}  // namespace sluice::control::telemetry::test
