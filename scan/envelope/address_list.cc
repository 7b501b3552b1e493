// scan/envelope/address_list.cc — address and domain entries of one list.
#include "scan/envelope/address_list.h"

#include <algorithm>

#include "scan/envelope/ascii_fold.h"

namespace sluice::scan::envelope {
namespace {

// "@a.example,@b.example:user@c.example" -> "user@c.example".
std::string_view drop_source_route(std::string_view address) {
  if (!address.starts_with('@')) return address;
  const size_t colon = address.find(':');
  return colon == std::string_view::npos ? address : address.substr(colon + 1);
}

}  // namespace

std::string_view address_domain(std::string_view address) {
  address = drop_source_route(address);
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

AddressList AddressList::build(const std::vector<std::string>& entries) {
  AddressList list;
  std::vector<std::string> domains;
  for (const std::string& entry : entries) {
    const size_t at = entry.rfind('@');
    if (at == std::string::npos) {
      domains.push_back(entry);  // "domain" or ".domain"
    } else if (at == 0) {
      domains.push_back(entry.substr(1));  // "@domain": every address of that domain
    } else if (at + 1 < entry.size()) {
      list.addresses_.push_back(folded(entry));
    }
  }
  std::sort(list.addresses_.begin(), list.addresses_.end());
  list.addresses_.erase(std::unique(list.addresses_.begin(), list.addresses_.end()), list.addresses_.end());
  list.domains_ = DomainSet::build(domains);
  return list;
}

bool AddressList::matches(std::string_view address) const {
  address = drop_source_route(address);
  const size_t at = address.rfind('@');
  if (address.empty() || at == std::string_view::npos) return false;
  return sorted_contains_folded(addresses_, address) || domains_.contains(address.substr(at + 1));
}

}  // namespace sluice::scan::envelope
