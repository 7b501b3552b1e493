// scan/envelope/cidr_list.h — a set of IPv4 and IPv6 network prefixes.
//
// Owns: parsing "192.0.2.0/24", "2001:db8::/32", "::ffff:10.0.0.0/104" and bare addresses (one host), and
// answering "is this client inside any of them?". IPv4 prefixes live in the IPv4-mapped part of the
// IPv6 space (192.0.2.0/24 is ::ffff:192.0.2.0/120), so ::/0 covers every client and 0.0.0.0/0 every
// IPv4 client. A lookup costs one binary search per distinct prefix length in the list, allocates nothing.
// May call: client_address.h and the C++ standard library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/envelope/client_address.h"

namespace sluice::scan::envelope {

class CidrList {
 public:
  // One prefix in the mapped space: the network (host bits clear) and its length 0..128.
  struct Prefix {
    uint64_t high = 0, low = 0;
    unsigned length = 0;
  };
  // nullopt for text that is no prefix, a length beyond the family's bits, or host bits set
  // ("10.1.2.3/8"); *why (when given) then says which.
  static std::optional<Prefix> parse(std::string_view text, std::string* why = nullptr);

  // nullopt and *error = "bad prefix '<text>' (<why>)" for the first bad entry.
  static std::optional<CidrList> build(const std::vector<std::string>& prefixes, std::string* error);

  bool contains(const ClientAddress& address) const;
  size_t size() const { return size_; }

 private:
  struct Network {
    uint64_t high, low;
    friend bool operator<(const Network& a, const Network& b) { return a.high != b.high ? a.high < b.high : a.low < b.low; }
    friend bool operator==(const Network&, const Network&) = default;
  };
  struct Level {  // every network of one prefix length
    unsigned length;
    uint64_t mask_high, mask_low;
    std::vector<Network> networks;  // sorted, unique
  };
  std::vector<Level> levels_;  // longest length first
  size_t size_ = 0;
};

}  // namespace sluice::scan::envelope
