// scan/url/host_canon.h — canonical spelling of a URL authority's host.
//
// Owns: undoing defanging in an authority, and turning a raw host into the
// one spelling lists are keyed on (percent-decoded, lowercase, no trailing
// dot, IDN as punycode, any IPv4 form as a dotted quad).
// May call: punycode.h and the C++ standard library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::url::detail {

// Writes `raw` to `out` with "[.]", "(.)", "{.}", "[dot]", "(dot)" turned
// into "." and "[:]", "(:)" into ":". Returns true when anything changed.
bool undefang(std::string_view raw, std::string& out);

enum class HostKind : uint8_t { Name, Ipv4, Ipv6 };

// Canonicalises `raw` into `out`, OR-ing PercentEncodedHost, NumericHost and
// Punycode into `flags`. Returns false for a host a browser would reject
// (empty, forbidden characters, a numeric last label that is no valid IPv4).
bool canonicalize_host(std::string_view raw, std::string& out, uint16_t& flags, HostKind& kind);

}  // namespace sluice::url::detail
