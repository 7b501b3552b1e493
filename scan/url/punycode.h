// scan/url/punycode.h — RFC 3492 Punycode encoding of one host label.
//
// Owns: turning a UTF-8 label into its "xn--" ASCII form so that IDN hosts
// and list entries meet in one spelling. It does no IDNA mapping beyond that
// (no case folding of non-ASCII letters, no NFC): see README.md.
// May call: the C++ standard library only.
#pragma once

#include <string>
#include <string_view>

namespace sluice::url::detail {

// Appends "xn--" + the Punycode of `utf8_label` to `out`. Returns false (out
// unspecified) for invalid UTF-8 or a label too long to encode safely.
bool append_punycode_label(std::string_view utf8_label, std::string& out);

}  // namespace sluice::url::detail
