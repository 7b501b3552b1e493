// dataplane/ip_address.h — the address value types of the L2/L3 services: an IPv4-or-IPv6 address (`IpAddr`),
// a CIDR prefix (`Cidr`), an Ethernet MAC (`MacAddress`) and the set of addresses a port answers for.
//
// Owns: parsing from text, formatting, ordering, hashing and prefix matching of addresses.
// Calls: inet_pton/inet_ntop only (no allocation). Header-only.
//
// An IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d), exactly like PacketView's `IpAddress`, so a parsed
// frame's address converts to and from `IpAddr` by copying 16 bytes, and one key type serves both families.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "dataplane/packet_view.h"

namespace sluice::dataplane {

using MacAddress = std::array<uint8_t, 6>;

inline constexpr MacAddress kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// Group bit (I/G) of the first octet: broadcast and multicast MACs are never a neighbour's address.
inline bool is_multicast_mac(const MacAddress& m) { return (m[0] & 0x01) != 0; }

struct IpAddr {
  IpAddress bytes{};  // network order; IPv4 as ::ffff:a.b.c.d

  static constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

  static IpAddr from_bytes(const IpAddress& b) { return IpAddr{b}; }
  // 4 bytes in network order.
  static IpAddr v4(const uint8_t* four) {
    IpAddr a;
    std::memcpy(a.bytes.data(), kMappedPrefix.data(), 12);
    std::memcpy(a.bytes.data() + 12, four, 4);
    return a;
  }
  static IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    const uint8_t four[4] = {a, b, c, d};
    return v4(four);
  }
  // 16 bytes in network order.
  static IpAddr v6(const uint8_t* sixteen) {
    IpAddr a;
    std::memcpy(a.bytes.data(), sixteen, 16);
    return a;
  }

  // Dotted quad or any RFC 4291 text form; nullopt on anything else (no surrounding blanks, no zone ids).
  static std::optional<IpAddr> parse(std::string_view text) {
    char buffer[64];
    if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    uint8_t raw[16];
    if (inet_pton(AF_INET, buffer, raw) == 1) return v4(raw);
    if (inet_pton(AF_INET6, buffer, raw) == 1) return v6(raw);
    return std::nullopt;
  }

  bool is_v4() const { return std::memcmp(bytes.data(), kMappedPrefix.data(), 12) == 0; }
  bool is_v6() const { return !is_v4(); }
  const uint8_t* v4_bytes() const { return bytes.data() + 12; }
  const uint8_t* data() const { return bytes.data(); }
  // Bits of the family's own address: 32 or 128.
  unsigned width() const { return is_v4() ? 32u : 128u; }
  bool is_unspecified() const {
    static constexpr IpAddress kZero{};
    return is_v4() ? std::memcmp(v4_bytes(), kZero.data(), 4) == 0 : bytes == kZero;
  }
  bool is_multicast() const { return is_v4() ? (bytes[12] & 0xf0) == 0xe0 : bytes[0] == 0xff; }

  // Dotted quad for IPv4, RFC 5952 text for IPv6.
  std::string_view format(char (&buffer)[48]) const { return format_ip(bytes, buffer); }

  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  friend auto operator<=>(const IpAddr& a, const IpAddr& b) { return a.bytes <=> b.bytes; }

  // 64-bit mix of both halves (splitmix64 finaliser): good spread for open addressing, no allocation.
  uint64_t hash() const {
    uint64_t hi, lo;
    std::memcpy(&hi, bytes.data(), 8);
    std::memcpy(&lo, bytes.data() + 8, 8);
    uint64_t x = hi ^ (lo * 0x9e3779b97f4a7c15ULL);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
  }
};

// An address prefix ("10.0.0.0/8", "2001:db8::/32"); the length counts bits of the family's own address.
struct Cidr {
  IpAddr base;
  uint8_t prefix_len = 0;

  // "ADDR/LEN" or a bare address (a host prefix). Host bits set in ADDR are cleared, as routers do.
  static std::optional<Cidr> parse(std::string_view text) {
    const size_t slash = text.find('/');
    const auto addr = IpAddr::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    unsigned len = addr->width();
    if (slash != std::string_view::npos) {
      const std::string_view digits = text.substr(slash + 1);
      if (digits.empty() || digits.size() > 3) return std::nullopt;
      len = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        len = len * 10 + static_cast<unsigned>(c - '0');
      }
      if (len > addr->width()) return std::nullopt;
    }
    Cidr c{*addr, static_cast<uint8_t>(len)};
    c.base = c.masked(*addr);
    return c;
  }

  // True when `a` is of the same family and its first prefix_len bits equal the base's.
  bool contains(const IpAddr& a) const {
    if (a.is_v4() != base.is_v4()) return false;
    return masked(a) == base;
  }

 private:
  IpAddr masked(const IpAddr& a) const {
    const unsigned bits = prefix_len + (base.is_v4() ? 96u : 0u);  // the mapped prefix always matches
    IpAddr out = a;
    for (unsigned i = 0; i < 16; ++i) {
      const unsigned start = i * 8;
      if (start >= bits) {
        out.bytes[i] = 0;
      } else if (bits - start < 8) {
        out.bytes[i] &= static_cast<uint8_t>(0xff << (8 - (bits - start)));
      }
    }
    return out;
  }
};

// What one port answers ARP/ND/echo for: its MAC and every address it owns there (its own address and the
// VIPs published on it). A handful of entries, so a linear scan beats any index; the span is the caller's.
struct LocalAddresses {
  MacAddress mac{};
  std::span<const IpAddr> owned;

  bool owns(const IpAddr& a) const {
    for (const IpAddr& o : owned)
      if (o == a) return true;
    return false;
  }
};

}  // namespace sluice::dataplane

template <>
struct std::hash<sluice::dataplane::IpAddr> {
  size_t operator()(const sluice::dataplane::IpAddr& a) const noexcept { return static_cast<size_t>(a.hash()); }
};
