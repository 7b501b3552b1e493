// scan/envelope/domain_set.cc — exact and subtree domain matching.
#include "scan/envelope/domain_set.h"

#include <algorithm>

#include "scan/envelope/ascii_fold.h"

namespace sluice::scan::envelope {
namespace {

void sort_unique(std::vector<std::string>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

}  // namespace

DomainSet DomainSet::build(const std::vector<std::string>& entries) {
  DomainSet set;
  for (const std::string& entry : entries) {
    std::string_view domain = entry;
    const bool tree = domain.starts_with('.');
    if (tree) domain.remove_prefix(1);
    if (domain.ends_with('.')) domain.remove_suffix(1);
    if (domain.empty()) continue;
    (tree ? set.trees_ : set.exact_).push_back(folded(domain));
  }
  sort_unique(set.exact_);
  sort_unique(set.trees_);
  return set;
}

bool DomainSet::contains(std::string_view domain) const {
  if (domain.ends_with('.')) domain.remove_suffix(1);
  if (domain.empty()) return false;
  if (sorted_contains_folded(exact_, domain)) return true;
  if (trees_.empty()) return false;
  // The domain itself, then each parent: mail.eu.example.com, eu.example.com, example.com, com.
  for (std::string_view rest = domain;;) {
    if (sorted_contains_folded(trees_, rest)) return true;
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    rest.remove_prefix(dot + 1);
  }
}

}  // namespace sluice::scan::envelope
