// control/notify/alert_message.h — the RFC 5322 text of one alert mail.
//
// Owns: the headers (From, To, Subject, Date, Message-ID, MIME-Version, Content-Type text/plain UTF-8,
// Content-Transfer-Encoding) and the body encoding: 7bit when the text is ASCII with short lines,
// base64 otherwise; a non-ASCII subject as an RFC 2047 encoded-word. Header injection is impossible:
// CR and LF in the subject become spaces. Pure: the same inputs give the same bytes.
// May call: OpenSSL (base64), the C++ standard library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::notify {

// message_id_seed becomes the left part of Message-ID (<seed@domain of from>), so a retried alert keeps its id.
std::string build_alert_message(const std::string& from, const std::vector<std::string>& to, std::string_view subject,
                                std::string_view body, int64_t now_unix, const std::string& message_id_seed);

// "Tue, 02 Jan 2024 03:04:05 +0000" (RFC 5322 §3.3, UTC).
std::string rfc5322_date(int64_t unix_seconds);

}  // namespace sluice::control::notify
