// control/telemetry/metrics_text.h — builds Prometheus exposition text (format version 0.0.4).
//
// Owns: one text buffer the control thread fills per scrape: a "# HELP" and "# TYPE" line once per metric
// family, then that family's samples, with names checked against the exposition grammar and HELP text and
// label values escaped, so whatever a counter is called the scrape still parses.
// May call: nothing (standard library only).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::control::telemetry {

using Label = std::pair<std::string_view, std::string_view>;

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool valid_label_name(std::string_view name);

class MetricsText {
 public:
  // Starts a family: "# HELP name help" and "# TYPE name type", type "counter" or "gauge". Returns false and
  // appends nothing when the name or type is invalid or the family was already started in this text (the
  // format allows each family once); error() then says why.
  bool family(std::string_view name, std::string_view help, std::string_view type);

  // "name{label="value",...} value". The name must be the family started last: the format requires a
  // family's samples to follow its TYPE line without interleaving. Returns false (nothing appended) when the
  // name or a label name is invalid, a label repeats, or the sample is outside its family; error() says why.
  bool sample(std::string_view name, uint64_t value, std::initializer_list<Label> labels = {});

  const std::string& text() const { return text_; }
  // The first error since the last clear() ("" when none): a renderer bug shows up once, not per scrape line.
  const std::string& error() const { return error_; }
  void clear();

 private:
  bool fail(std::string message);

  std::string text_;
  std::string error_;
  std::string current_family_;
  std::set<std::string, std::less<>> families_;   // names started since clear()
};

}  // namespace sluice::control::telemetry
