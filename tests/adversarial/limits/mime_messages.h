// tests/adversarial/limits/mime_messages.h — message content for the MIME cases (THREATS.md §3): the EICAR test
// string, base64 as MUAs write it, and the few message shapes the cases need, built in-test (no fixture files).
// Owns: nothing but these builders. May call: nothing.
#pragma once

#include <string>
#include <string_view>

namespace sluice::testing {

// The EICAR anti-virus test file (68 bytes), which `builtin-eicar` detects.
inline const std::string kEicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

// Base64 in 76-character lines, each ended by CRLF (RFC 2045 §6.8).
std::string base64_lines(std::string_view bytes);

// A multipart/mixed message: a short text part and one base64 attachment `filename` of `content_type`.
std::string message_with_attachment(std::string_view filename, std::string_view content_type, std::string_view bytes);

// A single-part message with the given Content-Type and Content-Transfer-Encoding and an already encoded body.
std::string single_part_message(std::string_view content_type, std::string_view transfer_encoding,
                                std::string_view encoded_body, std::string_view extra_headers = {});

// Base64 on one line, with no line break (the caller decides the layout; MIME-9's odd line lengths).
std::string base64_flat(std::string_view bytes);

// Quoted-printable as a hostile sender writes it: every byte as `=XX`, `per_line` escapes to a line, lines joined by
// soft breaks `=` CRLF (RFC 2045 §6.7), the last line ended by CRLF without a soft break.
std::string qp_escaped_lines(std::string_view bytes, size_t per_line);

// A uuencode block `begin 644 <name>` … `end` (POSIX uuencode, 45 bytes a line, backquote for zero), CRLF lines.
std::string uuencode_block(std::string_view name, std::string_view bytes);

// A yEnc block `=ybegin line=128 size=N name=<name>` … `=yend size=N` (yEnc 1.3: each byte + 42, NUL, LF, CR and
// `=` escaped as `=` + (byte + 64)), CRLF lines.
std::string yenc_block(std::string_view name, std::string_view bytes);

// What the relay hands the backend for `content` (README "Inline verdicts"): bare CR becomes a space, bare LF becomes
// CRLF (`bare-newline normalize`), and a line starting with `.` gains another (RFC 5321 §4.5.2 dot-stuffing).
std::string as_relayed(std::string_view content);

// `content` dot-stuffed for DATA (RFC 5321 §4.5.2), line ends untouched.
std::string dot_stuffed(std::string_view content);

}  // namespace sluice::testing
