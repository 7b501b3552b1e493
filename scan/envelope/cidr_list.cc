// scan/envelope/cidr_list.cc — prefixes grouped by length, binary search per length.
#include "scan/envelope/cidr_list.h"

#include <algorithm>
#include <charconv>

namespace sluice::scan::envelope {
namespace {

uint64_t load_be64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

// The two 64-bit halves of a mask with `length` leading one bits.
void mask_of(unsigned length, uint64_t& high, uint64_t& low) {
  high = length == 0 ? 0 : (length >= 64 ? ~0ULL : ~0ULL << (64 - length));
  low = length <= 64 ? 0 : (length >= 128 ? ~0ULL : ~0ULL << (128 - length));
}

}  // namespace

std::optional<CidrList::Prefix> CidrList::parse(std::string_view text, std::string* why) {
  const auto fail = [why](const char* reason) {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  const size_t slash = text.find('/');
  const std::optional<ClientAddress> address = ClientAddress::parse(text.substr(0, slash));
  if (!address || text.starts_with('[')) return fail("not an IPv4 or IPv6 address");
  // An IPv4 length counts from the start of the IPv4 part; a mapped IPv6 text counts all 128 bits.
  const bool ipv4_text = text.substr(0, slash).find(':') == std::string_view::npos;
  const unsigned bits = ipv4_text ? 32 : 128;
  unsigned length = bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const char* end = digits.data() + digits.size();
    const auto [stop, status] = std::from_chars(digits.data(), end, length);
    if (digits.empty() || status != std::errc() || stop != end || length > bits) {
      return fail(ipv4_text ? "length not 0..32" : "length not 0..128");
    }
  }
  Prefix prefix;
  prefix.length = length + (128 - bits);
  prefix.high = load_be64(address->bytes.data());
  prefix.low = load_be64(address->bytes.data() + 8);
  uint64_t mask_high, mask_low;
  mask_of(prefix.length, mask_high, mask_low);
  if ((prefix.high & ~mask_high) != 0 || (prefix.low & ~mask_low) != 0) return fail("host bits set");
  return prefix;
}

std::optional<CidrList> CidrList::build(const std::vector<std::string>& prefixes, std::string* error) {
  CidrList list;
  for (const std::string& text : prefixes) {
    std::string why;
    const std::optional<Prefix> prefix = parse(text, &why);
    if (!prefix) {
      if (error != nullptr) *error = "bad prefix '" + text + "' (" + why + ")";
      return std::nullopt;
    }
    auto level = std::find_if(list.levels_.begin(), list.levels_.end(),
                              [&](const Level& l) { return l.length == prefix->length; });
    if (level == list.levels_.end()) {
      Level fresh{prefix->length, 0, 0, {}};
      mask_of(prefix->length, fresh.mask_high, fresh.mask_low);
      level = list.levels_.insert(list.levels_.end(), std::move(fresh));
    }
    level->networks.push_back(Network{prefix->high, prefix->low});
  }
  for (Level& level : list.levels_) {
    std::sort(level.networks.begin(), level.networks.end());
    level.networks.erase(std::unique(level.networks.begin(), level.networks.end()), level.networks.end());
    list.size_ += level.networks.size();
  }
  std::sort(list.levels_.begin(), list.levels_.end(), [](const Level& a, const Level& b) { return a.length > b.length; });
  return list;
}

bool CidrList::contains(const ClientAddress& address) const {
  const uint64_t high = load_be64(address.bytes.data());
  const uint64_t low = load_be64(address.bytes.data() + 8);
  for (const Level& level : levels_) {
    const Network key{high & level.mask_high, low & level.mask_low};
    if (std::binary_search(level.networks.begin(), level.networks.end(), key)) return true;
  }
  return false;
}

}  // namespace sluice::scan::envelope
