// scan/envelope/domain_set.h — a set of mail domains, each exact or covering its subdomains.
//
// Owns: "example.com" (that domain only) and ".example.com" (that domain and every subdomain) entries,
// matched case-insensitively; the relay-control list and the domain entries of address lists use it.
// May call: ascii_fold.h. Immutable after build; contains() allocates nothing and costs one binary search
// per label of the queried domain.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::scan::envelope {

class DomainSet {
 public:
  // Entries as the config writes them; empty entries (and a lone ".") are ignored.
  static DomainSet build(const std::vector<std::string>& entries);

  // domain as in a path ("Mail.Example.COM", one trailing dot allowed); "" matches nothing.
  bool contains(std::string_view domain) const;
  bool empty() const { return exact_.empty() && trees_.empty(); }

 private:
  std::vector<std::string> exact_;  // folded, sorted, unique
  std::vector<std::string> trees_;  // ".example.com" entries without their dot
};

}  // namespace sluice::scan::envelope
