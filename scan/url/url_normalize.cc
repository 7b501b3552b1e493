// normalize_url(): scheme, authority and path rules. README.md lists them.
#include <array>

#include "scan/url/host_canon.h"
#include "scan/url/url.h"

namespace sluice::url {
namespace {

struct SchemeSpelling {
  std::string_view text;       // as it may appear, lowercase
  std::string_view canonical;  // what the normalized form uses
  std::string_view default_port;
  bool defanged;
};
// Longer spellings first: "http" is a prefix of "https".
constexpr std::array<SchemeSpelling, 5> kSchemes = {{
    {"https", "https", "443", false},
    {"http", "http", "80", false},
    {"hxxps", "https", "443", true},
    {"hxxp", "http", "80", true},
    {"ftp", "ftp", "21", false},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool is_slash(char c) { return c == '/' || c == '\\'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Bytes a browser would percent-encode before sending.
bool needs_encoding(unsigned char c) {
  return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`';
}

void append_percent(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// Unreserved %XX decoded, other %xx upper-cased, unsafe bytes encoded. A '%' that starts no escape is
// itself encoded as %25 (as Safe Browsing canonicalisation does): left bare, "%7%41" would become "%7A",
// a new escape that the next normalisation decodes, so the canonical form would not be a fixed point.
void append_normalized_escapes(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      const auto decoded = static_cast<unsigned char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      if (is_unreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        append_percent(out, decoded);
      }
      i += 2;
    } else if (needs_encoding(c) || c == '%') {
      append_percent(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

// RFC 3986 section 5.2.4 on an already escaped path that starts with '/'.
void append_without_dot_segments(std::string_view path, std::string& out) {
  const size_t base = out.size();
  size_t i = 0;
  while (i < path.size()) {
    size_t next = path.find('/', i + 1);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view segment = path.substr(i + 1, next - i - 1);
    const bool last = next == path.size();
    if (segment == ".") {
      if (last) out += '/';
    } else if (segment == "..") {
      const size_t cut = out.rfind('/');
      if (cut != std::string::npos && cut >= base) out.resize(cut);
      if (last) out += '/';
    } else {
      out += '/';
      out += segment;
    }
    i = next;
  }
  if (out.size() == base) out += '/';
}

// Consumes the scheme, its separator and the slashes after it. Returns the
// scheme spelling, or nullptr for a candidate that is no web URL.
const SchemeSpelling* take_scheme(std::string_view& rest, uint16_t& flags) {
  static constexpr SchemeSpelling kSchemeLess = {"", "http", "80", false};
  for (const auto& scheme : kSchemes) {
    if (!starts_with_ci(rest, scheme.text)) continue;
    std::string_view after = rest.substr(scheme.text.size());
    if (!after.empty() && after.front() == ':') {
      after.remove_prefix(1);
    } else if (after.starts_with("[:]") || after.starts_with("(:)")) {
      after.remove_prefix(3);
      flags |= flag_bit(UrlFlag::Defanged);
    } else {
      continue;
    }
    if (scheme.defanged) flags |= flag_bit(UrlFlag::Defanged);
    // Browsers skip any run of slashes and backslashes after a web scheme.
    while (!after.empty() && is_slash(after.front())) {
      if (after.front() == '\\') flags |= flag_bit(UrlFlag::Backslash);
      after.remove_prefix(1);
    }
    rest = after;
    return &scheme;
  }
  if (rest.size() >= 2 && is_slash(rest[0]) && is_slash(rest[1])) {
    if (rest[0] == '\\' || rest[1] == '\\') flags |= flag_bit(UrlFlag::Backslash);
    rest.remove_prefix(2);
    flags |= flag_bit(UrlFlag::SchemeLess);
    return &kSchemeLess;
  }
  if (starts_with_ci(rest, "www.") || starts_with_ci(rest, "www[.]") || starts_with_ci(rest, "www(.)")) {
    flags |= flag_bit(UrlFlag::SchemeLess);
    return &kSchemeLess;
  }
  return nullptr;
}

// Splits "host[:port]" (userinfo already gone). False for a bad port.
bool split_port(std::string_view authority, std::string_view& host, std::string_view& port) {
  size_t colon = std::string_view::npos;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close != std::string_view::npos && close + 1 < authority.size() && authority[close + 1] == ':') {
      colon = close + 1;
    }
  } else {
    colon = authority.rfind(':');
  }
  host = authority.substr(0, colon);
  port = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
    if (value > 65535) return false;
  }
  // Leading zeros name the same port; "080" must not dodge a list entry.
  while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
  return true;
}

// Per-thread buffers so a warmed-up worker normalises without allocating.
struct Scratch {
  std::string authority;
  std::string path;
  std::string escaped_path;
};
Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

const char* url_flag_name(UrlFlag flag) {
  switch (flag) {
    case UrlFlag::Defanged: return "defanged";
    case UrlFlag::HtmlEntity: return "html_entity";
    case UrlFlag::PercentEncodedHost: return "percent_encoded_host";
    case UrlFlag::NumericHost: return "numeric_host";
    case UrlFlag::UserInfo: return "user_info";
    case UrlFlag::Backslash: return "backslash";
    case UrlFlag::Punycode: return "punycode";
    case UrlFlag::Truncated: return "truncated";
    case UrlFlag::SchemeLess: return "scheme_less";
    case UrlFlag::Folded: return "folded";
  }
  return "unknown";
}

bool normalize_url_into(std::string_view candidate, Url& out) {
  uint16_t flags = 0;
  std::string_view rest = candidate;
  const SchemeSpelling* scheme = take_scheme(rest, flags);
  if (scheme == nullptr) return false;

  size_t authority_end = 0;
  while (authority_end < rest.size() && !is_slash(rest[authority_end]) && rest[authority_end] != '?' &&
         rest[authority_end] != '#') {
    ++authority_end;
  }
  std::string& authority = thread_scratch().authority;
  if (detail::undefang(rest.substr(0, authority_end), authority)) flags |= flag_bit(UrlFlag::Defanged);
  std::string_view host_port = authority;
  // The last '@' ends the userinfo, as in browsers: trusted@evil goes to evil.
  const size_t at = host_port.rfind('@');
  if (at != std::string_view::npos) {
    host_port.remove_prefix(at + 1);
    flags |= flag_bit(UrlFlag::UserInfo);
  }
  std::string_view raw_host, port;
  if (!split_port(host_port, raw_host, port)) return false;
  detail::HostKind kind;
  if (!detail::canonicalize_host(raw_host, out.host, flags, kind)) return false;

  out.normalized.assign(scheme->canonical);
  out.normalized += "://";
  out.normalized += out.host;
  if (!port.empty() && port != scheme->default_port) {
    out.normalized += ':';
    out.normalized += port;
  }

  std::string_view tail = rest.substr(authority_end);
  const size_t hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  const size_t question = tail.find('?');
  const std::string_view raw_path = tail.substr(0, question);
  // Web schemes treat '\' in the path as '/'.
  Scratch& scratch = thread_scratch();
  scratch.path.assign(raw_path.empty() ? std::string_view("/") : raw_path);
  for (char& c : scratch.path) {
    if (c == '\\') {
      c = '/';
      flags |= flag_bit(UrlFlag::Backslash);
    }
  }
  scratch.escaped_path.clear();
  append_normalized_escapes(scratch.path, scratch.escaped_path);
  append_without_dot_segments(scratch.escaped_path, out.normalized);
  if (question != std::string_view::npos) {
    out.normalized += '?';
    append_normalized_escapes(tail.substr(question + 1), out.normalized);
  }
  out.flags = flags;
  return true;
}

std::optional<Url> normalize_url(std::string_view candidate) {
  Url url;
  if (!normalize_url_into(candidate, url)) return std::nullopt;
  return url;
}

}  // namespace sluice::url
