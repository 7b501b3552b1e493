// scan/envelope/client_address.h — the address of an SMTP client, one form for both families.
//
// Owns: ClientAddress, IPv4 kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one table (CIDR lists, the
// greylist) serves both families; parsing it from text and printing it back.
// May call: the C++ standard library and inet_pton/inet_ntop. parse() allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::scan::envelope {

struct ClientAddress {
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 as ::ffff:a.b.c.d
  bool v4 = false;

  // "192.0.2.1", "2001:db8::1", either in brackets ("[192.0.2.1]"). An IPv4-mapped IPv6 text
  // ("::ffff:192.0.2.1") is the IPv4 client it maps, so it prints and groups as one.
  static std::optional<ClientAddress> parse(std::string_view text);
  // From the dataplane's binary forms: an IPv4 address in host order, or 16 network-order bytes.
  static ClientAddress from_ipv4(uint32_t host_order);
  static ClientAddress from_ipv6(const std::array<uint8_t, 16>& network_order);

  std::string to_string() const;  // "192.0.2.1" or "2001:db8::1"

  friend bool operator==(const ClientAddress&, const ClientAddress&) = default;
};

}  // namespace sluice::scan::envelope
