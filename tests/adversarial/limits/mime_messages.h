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

}  // namespace sluice::testing
