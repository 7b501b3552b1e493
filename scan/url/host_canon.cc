// Host rules follow the WHATWG URL host parser where it matters for
// evasion: percent-decoding, "ends in a number" => IPv4 with hex/octal/short
// forms, and the forbidden code points.
#include "scan/url/host_canon.h"

#include <array>

#include "scan/url/punycode.h"
#include "scan/url/url.h"

namespace sluice::url::detail {
namespace {

struct Defang {
  std::string_view text;
  char replacement;
};
constexpr std::array<Defang, 7> kDefangs = {{
    {"[.]", '.'}, {"(.)", '.'}, {"{.}", '.'}, {"[dot]", '.'}, {"(dot)", '.'},
    {"[:]", ':'}, {"(:)", ':'},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// WHATWG "forbidden domain code point", ASCII part.
bool is_forbidden_host_byte(unsigned char c) {
  if (c <= 0x20 || c == 0x7F) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?':
    case '@': case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

// UTS 46 maps these full stops to "."; mail clients follow it.
bool take_unicode_full_stop(std::string_view s, size_t i, size_t& length) {
  static constexpr std::array<std::string_view, 3> kStops = {"\xE3\x80\x82", "\xEF\xBC\x8E",
                                                             "\xEF\xBD\xA1"};
  for (auto stop : kStops) {
    if (s.substr(i, stop.size()) == stop) {
      length = stop.size();
      return true;
    }
  }
  return false;
}

enum class Ipv4Parse { NotNumeric, Valid, Invalid };

// One IPv4 part: 0x-hex, 0-octal or decimal. Values above 2^32 are invalid.
bool parse_ipv4_part(std::string_view part, uint64_t& value) {
  uint32_t radix = 10;
  if (part.size() >= 2 && part[0] == '0' && lower(part[1]) == 'x') {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  value = 0;
  for (char c : part) {
    const int d = hex_value(c);
    if (d < 0 || static_cast<uint32_t>(d) >= radix) return false;
    value = value * radix + static_cast<uint32_t>(d);
    if (value > 0xFFFFFFFFull) return false;
  }
  return true;
}

bool is_ipv4_number(std::string_view label) {
  if (label.empty()) return false;
  if (label.size() >= 2 && label[0] == '0' && lower(label[1]) == 'x') {
    for (char c : label.substr(2)) {
      if (hex_value(c) < 0) return false;
    }
    return true;
  }
  for (char c : label) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// `host` is lowercase with no trailing dot. Writes the dotted quad to `out`.
Ipv4Parse parse_ipv4(std::string_view host, std::string& out) {
  const size_t last_dot = host.rfind('.');
  const std::string_view last = last_dot == std::string_view::npos ? host : host.substr(last_dot + 1);
  if (!is_ipv4_number(last)) return Ipv4Parse::NotNumeric;

  std::array<uint64_t, 4> parts{};
  size_t count = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    const std::string_view part = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (count == parts.size() || part.empty() || !parse_ipv4_part(part, parts[count])) {
      return Ipv4Parse::Invalid;
    }
    ++count;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // All but the last part are single bytes; the last fills what remains.
  uint64_t address = 0;
  for (size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 255) return Ipv4Parse::Invalid;
    address |= parts[i] << (8 * (3 - i));
  }
  const uint64_t last_max = (1ull << (8 * (5 - count))) - 1;
  if (parts[count - 1] > last_max) return Ipv4Parse::Invalid;
  address |= parts[count - 1];

  out.clear();
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xFF);
    if (shift > 0) out += '.';
  }
  return Ipv4Parse::Valid;
}

bool is_valid_ipv6_literal(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  for (char c : host.substr(1, host.size() - 2)) {
    if (hex_value(c) < 0 && c != ':' && c != '.') return false;
  }
  return true;
}

// Rewrites every label holding non-ASCII bytes as xn--. `host` is the
// lowercase decoded name; the result goes to `out`.
bool encode_idn_labels(std::string_view host, std::string& out, uint16_t& flags) {
  out.clear();
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(start, dot - start);
    bool ascii = true;
    for (char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
      out += label;
    } else if (!append_punycode_label(label, out)) {
      return false;
    }
    if (starts_with_ci(label, "xn--") || !ascii) flags |= flag_bit(UrlFlag::Punycode);
    if (dot == host.size()) break;
    out += '.';
    start = dot + 1;
  }
  return true;
}

}  // namespace

bool undefang(std::string_view raw, std::string& out) {
  out.clear();
  bool changed = false;
  size_t i = 0;
  while (i < raw.size()) {
    bool replaced = false;
    if (raw[i] == '[' || raw[i] == '(' || raw[i] == '{') {
      for (const auto& d : kDefangs) {
        if (starts_with_ci(raw.substr(i), d.text)) {
          out += d.replacement;
          i += d.text.size();
          replaced = changed = true;
          break;
        }
      }
    }
    if (!replaced) out += raw[i++];
  }
  return changed;
}

bool canonicalize_host(std::string_view raw, std::string& out, uint16_t& flags, HostKind& kind) {
  // Decode %XX and fold case and full stops in one pass.
  // Per-thread buffer so a warmed-up worker does not allocate per host.
  thread_local std::string decoded;
  decoded.clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    size_t stop_length = 0;
    if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
      decoded += lower(static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2])));
      flags |= flag_bit(UrlFlag::PercentEncodedHost);
      i += 2;
    } else if (take_unicode_full_stop(raw, i, stop_length)) {
      decoded += '.';
      i += stop_length - 1;
    } else {
      decoded += lower(raw[i]);
    }
  }
  // A full stop folded above can complete a defanged dot ("{\uff61}" is "{.}" now): undefang again, so the
  // canonical form does not change when it is normalised a second time (found by tests/fuzz/url_extractor_fuzz).
  if (decoded.find_first_of("[({") != std::string::npos) {
    thread_local std::string undefanged;
    if (undefang(decoded, undefanged)) {
      decoded.swap(undefanged);
      flags |= flag_bit(UrlFlag::Defanged);
    }
  }
  if (!decoded.empty() && decoded.front() == '[') {
    if (!is_valid_ipv6_literal(decoded)) return false;
    kind = HostKind::Ipv6;
    out = decoded;
    return true;
  }
  // A trailing dot names the same host (FQDN form); drop it so lists match. All of them: kept, a second one
  // ("evil.example..") would give a host no list entry matches, and a canonical form that changes when it is
  // normalised again (found by tests/fuzz/url_extractor_fuzz).
  while (decoded.size() > 1 && decoded.back() == '.') decoded.pop_back();
  if (decoded.empty() || decoded == ".") return false;
  for (char c : decoded) {
    if (is_forbidden_host_byte(static_cast<unsigned char>(c))) return false;
  }
  switch (parse_ipv4(decoded, out)) {
    case Ipv4Parse::Valid:
      if (out != decoded) flags |= flag_bit(UrlFlag::NumericHost);
      kind = HostKind::Ipv4;
      return true;
    case Ipv4Parse::Invalid:
      return false;
    case Ipv4Parse::NotNumeric:
      break;
  }
  kind = HostKind::Name;
  return encode_idn_labels(decoded, out, flags);
}

}  // namespace sluice::url::detail
