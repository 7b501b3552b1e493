// scan/envelope/client_address.cc — text <-> ClientAddress.
#include "scan/envelope/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sluice::scan::envelope {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_mapped(const std::array<uint8_t, 16>& bytes) {
  return std::memcmp(bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0;
}

}  // namespace

std::optional<ClientAddress> ClientAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  // inet_pton reads a C string; the longest IPv6 text (with an embedded IPv4) is 45 characters.
  char buffer[64];
  if (text.empty() || text.size() >= sizeof buffer || text.find('\0') != std::string_view::npos) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  ClientAddress address;
  uint8_t v4[4];
  if (inet_pton(AF_INET, buffer, v4) == 1) {
    std::memcpy(address.bytes.data(), kMappedPrefix, sizeof kMappedPrefix);
    std::memcpy(address.bytes.data() + 12, v4, 4);
    address.v4 = true;
    return address;
  }
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
  address.v4 = is_mapped(address.bytes);
  return address;
}

ClientAddress ClientAddress::from_ipv4(uint32_t host_order) {
  ClientAddress address;
  std::memcpy(address.bytes.data(), kMappedPrefix, sizeof kMappedPrefix);
  for (int i = 0; i < 4; ++i) address.bytes[12 + i] = static_cast<uint8_t>(host_order >> (24 - 8 * i));
  address.v4 = true;
  return address;
}

ClientAddress ClientAddress::from_ipv6(const std::array<uint8_t, 16>& network_order) {
  ClientAddress address;
  address.bytes = network_order;
  address.v4 = is_mapped(network_order);
  return address;
}

std::string ClientAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (v4) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  }
  return text;
}

}  // namespace sluice::scan::envelope
