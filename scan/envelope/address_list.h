// scan/envelope/address_list.h — one sender/recipient safelist or blocklist.
//
// Owns: matching an envelope address against "user@domain" (that address), "@domain" or "domain" (every
// address of that domain) and ".domain" (the domain and its subdomains) entries, case-insensitively.
// May call: domain_set.h, ascii_fold.h. Immutable after build; matches() allocates nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scan/envelope/domain_set.h"

namespace sluice::scan::envelope {

class AddressList {
 public:
  // Entries as the config validated them; an entry with nothing usable ("user@", "") is ignored.
  static AddressList build(const std::vector<std::string>& entries);

  // address as in the path, without <>. "" (the null sender) matches nothing; a source route
  // ("@relay.example:user@example.com") is ignored, as RFC 5321 C tells receivers to do; an address
  // without '@' matches no entry.
  bool matches(std::string_view address) const;
  bool empty() const { return addresses_.empty() && domains_.empty(); }

 private:
  std::vector<std::string> addresses_;  // folded "user@domain", sorted, unique
  DomainSet domains_;
};

// The domain of an envelope address (after its last '@', source route dropped); "" when it has none.
std::string_view address_domain(std::string_view address);

}  // namespace sluice::scan::envelope
