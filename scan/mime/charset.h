// Charset conversion to UTF-8 for names and header text (RFC 2047 words, RFC 2231
// values). Knows UTF-8/ASCII (copied), ISO-8859-1 / Windows-1252 / Latin-1
// (mapped byte per code point), UTF-16/UCS-2 (BOM honoured, big-endian by
// default) and UTF-7 (utf7.h). Any other charset is copied as bytes: sanitising
// comes later. Calls utf7.h.
#pragma once
#include <string>
#include <string_view>

namespace sluice::mime {

// Appends `bytes`, read in `charset` (case-insensitive), to `out` as UTF-8.
void append_as_utf8(std::string_view charset, std::string_view bytes, std::string& out);

// Appends one code point as UTF-8 (invalid ones as U+FFFD).
void append_code_point(char32_t cp, std::string& out);

}  // namespace sluice::mime
