// RFC 2047 encoded-word decoding (`=?charset?B|Q?text?=`) for header values and,
// because MUAs do it although RFC 2047 §5 forbids it, for parameter values.
// Linear in the input (10,000 words in a Subject cost one pass). Uses charset.h.
#pragma once
#include <string>
#include <string_view>

namespace sluice::mime {

// Decodes every well-formed encoded word to UTF-8; whitespace between two adjacent
// encoded words is dropped (RFC 2047 §6.2); malformed words stay as written.
std::string decode_rfc2047(std::string_view text);
void decode_rfc2047_into(std::string_view text, std::string& out);

// True if `text` contains at least one well-formed encoded word.
bool has_rfc2047_word(std::string_view text);

}  // namespace sluice::mime
