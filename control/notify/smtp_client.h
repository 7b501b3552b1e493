// control/notify/smtp_client.h — sends one message through the configured mail server.
//
// Owns: the envelope of one send (MAIL FROM, RCPT TO for each recipient, DATA) on a conversation opened
// by smtp_session with the administrator's secure option, port, credentials and client certificate, and
// the verdict of the send (ok, or why not and whether a retry can help).
// May call: smtp_session, the C++ standard library.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/notify/mail_types.h"

namespace sluice::control::notify {

// Sends one message (RFC 5322 text, lines CRLF or LF; dot-stuffing done here) to rcpts. Blocking: every step
// is bounded by server.timeout_ms. A recipient refused with 5xx is left out (named in `error`) while the
// others still get the message; a 4xx to any recipient defers the whole message, so a retry never
// duplicates it. transcript may be null.
SendResult send_mail(const MailServer& server, const std::string& from, const std::vector<std::string>& to,
                     std::string_view message, Transcript* transcript);

}  // namespace sluice::control::notify
