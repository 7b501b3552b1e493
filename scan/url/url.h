// scan/url/url.h — the URL vocabulary of Sluice: limits, evasion flags, the
// canonical Url record and normalize_url().
//
// Owns: turning one raw candidate (text exactly as found in a message) into
// the canonical form that lists are matched against.
// May call: the C++ standard library only. The rest of scan/url builds on it:
//   url_extractor.h finds candidates in streamed text/HTML,
//   url_lists.h matches canonical URLs against domain and URL lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::url {

class UrlLists;

struct UrlLimits {
  uint32_t max_urls_per_view = 256;   // further URLs are counted, not stored
  uint32_t max_url_length = 2048;     // longer candidates are truncated and flagged
  // A URL can hide another (http://redirector/?u=http://evil/); at most this
  // many embedded URLs are taken from one candidate, so a candidate made of
  // repeated schemes cannot multiply the work.
  uint32_t max_embedded_urls_per_candidate = 4;
  // Plain text only: a URL opened right after '<' may be folded across lines
  // (RFC 3986 appendix C: "<http://a.example/long/\r\n   path>"). At most this
  // many line breaks are joined in one URL (0 turns joining off), and at most
  // max_url_fold_indent spaces/tabs are skipped after each; beyond either, the
  // URL ends there. Only a URL that reaches its closing '>' is joined.
  uint32_t max_url_continuation_lines = 4;
  uint32_t max_url_fold_indent = 80;
  // PDF FlateDecode streams (object streams, content streams) are inflated to find the links inside them. At most
  // max_pdf_inflated_bytes are inflated per PDF in all (further compressed streams are skipped), and at most
  // max_pdf_stream_inflated_bytes per stream (the rest of that stream is skipped): a deflate bomb costs bounded time
  // and nothing is kept but the URL extractors' state. 0 turns inflation off.
  uint64_t max_pdf_inflated_bytes = 16u << 20;
  uint64_t max_pdf_stream_inflated_bytes = 4u << 20;
  // Past max_urls_per_view a URL is still matched against these lists (not owned; null = none), and kept when it
  // is listed, at most kListedBeyondCap more per view: without it a sender could push a listed link out of reach
  // by putting max_urls_per_view harmless ones before it.
  const UrlLists* keep_listed = nullptr;
};

inline constexpr uint32_t kListedBeyondCap = 16;

// Evasion and form markers, OR-ed into Url::flags.
enum class UrlFlag : uint16_t {
  Defanged = 1,             // hxxp, [.], (.), [:]
  HtmlEntity = 2,           // a character reference other than &amp; or &nbsp; built part of it
  PercentEncodedHost = 4,   // %XX in the host
  NumericHost = 8,          // decimal, hex, octal or short IPv4 forms
  UserInfo = 16,            // http://trusted@evil
  Backslash = 32,           // http:\\host\path
  Punycode = 64,            // an xn-- label, given or produced from UTF-8
  Truncated = 128,          // candidate longer than UrlLimits::max_url_length
  SchemeLess = 256,         // www.example.com or //example.com
  Folded = 512,             // <http://ev\r\n il.example/>: joined across text/plain lines
};

constexpr uint16_t flag_bit(UrlFlag f) { return static_cast<uint16_t>(f); }
constexpr bool has_flag(uint16_t flags, UrlFlag f) { return (flags & flag_bit(f)) != 0; }

// snake_case name for logs; "unknown" for a value that is not a single flag.
const char* url_flag_name(UrlFlag flag);

struct Url {
  // scheme://host[:port]/path?query — lowercase scheme and host, default port
  // removed, IDN host as punycode, dotted quad for numeric hosts, only
  // unreserved characters percent-decoded in path and query, fragment dropped.
  std::string normalized;
  std::string host;
  uint16_t flags = 0;
};

// Canonicalises one candidate. Returns nullopt for anything that is not an
// http, https or ftp URL (data:, javascript:, mailto:, relative links) or
// whose host is invalid.
std::optional<Url> normalize_url(std::string_view candidate);

// Same rules, writing into `out` so a caller that keeps one Url reuses its
// string capacity. Returns false where normalize_url returns nullopt.
bool normalize_url_into(std::string_view candidate, Url& out);

}  // namespace sluice::url
