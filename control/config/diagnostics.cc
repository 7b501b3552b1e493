// control/config/diagnostics.cc — the bounded error list and typo suggestions.
#include "control/config/diagnostics.h"

#include <algorithm>
#include <numeric>

namespace sluice::control::config {

void ErrorList::add(SourcePosition at, std::string message) {
  if (full()) return;
  errors_.push_back(ConfigError{file_name_, at.line, at.column, std::move(message)});
}

namespace {

// Levenshtein distance with one rolling row: keys are short, so O(n*m) is fine.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  // A third of the word's length (at least one edit) separates typos from
  // different words: 'max-dept' -> 'max-depth', but 'log' is not 'tag'.
  const size_t tolerance = std::max<size_t>(1, word.size() / 3);
  std::string_view best;
  size_t best_distance = tolerance + 1;
  for (std::string_view candidate : candidates) {
    const size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  const std::string_view match = closest_match(word, candidates);
  if (match.empty()) return {};
  return " (did you mean '" + std::string(match) + "'?)";
}

}  // namespace sluice::control::config
