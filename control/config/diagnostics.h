// control/config/diagnostics.h — where every stage of loading reports errors.
//
// Owns: the bounded error list shared by the lexer, parser and binder, and the
// "did you mean" suggestion all of them use for misspelt words.
// May call: control/policy.h (ConfigError), control/config/syntax_tree.h.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/config/syntax_tree.h"
#include "control/policy.h"

namespace sluice::control::config {

// Collects errors for one file. Stops accepting after kMaxErrors so a file of
// garbage (or a fuzzer's input) yields a readable report, not thousands of lines.
class ErrorList {
 public:
  static constexpr size_t kMaxErrors = 20;

  explicit ErrorList(std::string file_name) : file_name_(std::move(file_name)) {}

  void add(SourcePosition at, std::string message);
  // True once the cap is reached: stages use it to stop early.
  bool full() const { return errors_.size() >= kMaxErrors; }
  std::vector<ConfigError> take() { return std::move(errors_); }

 private:
  std::string file_name_;
  std::vector<ConfigError> errors_;
};

// The candidate closest to word by edit distance, if it is close enough to be a
// plausible typo; empty otherwise.
std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace sluice::control::config
