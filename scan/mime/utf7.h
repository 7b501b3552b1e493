// UTF-7 (RFC 2152) to UTF-8, for RFC 2047 encoded words and RFC 2231 values in charset "utf-7" (MIME-15):
// markup hidden as `+ADw-script+AD4-` must reach header rules as the `<script>` a UTF-7 reader shows. Linear in
// the input, no state kept between calls. Calls charset.h's append_code_point only.
#pragma once
#include <string>
#include <string_view>

namespace sluice::mime {

// True for the names UTF-7 goes by (case-insensitive): "utf-7", "utf7", "unicode-1-1-utf-7".
bool is_utf7_charset(std::string_view charset);

// Appends `bytes`, read as UTF-7, to `out` as UTF-8. Direct characters are copied; `+` opens a run of modified
// base64 (no padding) carrying UTF-16 code units, ended by any byte outside the base64 alphabet (a `-` there is
// absorbed); `+-` is a literal `+`. Surrogate pairs are joined; lone surrogates and bytes >= 0x80 (never valid in
// UTF-7) become U+FFFD; bits left over at the end of a run (fewer than 16) are dropped, as RFC 2152 says.
void append_utf7_as_utf8(std::string_view bytes, std::string& out);

}  // namespace sluice::mime
