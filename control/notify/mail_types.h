// control/notify/mail_types.h — what the appliance's outbound mail client is told and what it reports.
//
// Owns: the mail-server settings an administrator configures (server, port, secure option, credentials,
// client certificate, verification), the step-by-step transcript of one conversation, and the result of
// one send. Plain data: the SMTP code lives in smtp_session/smtp_client, the policy in alert_queue.
// May call: the C++ standard library only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::notify {

// Default = try STARTTLS when offered, else plain; None = never TLS; Smtps = TLS from the first byte (465);
// Starttls = STARTTLS required (fail if not offered or if the handshake fails).
enum class SecureOption { Default, None, Smtps, Starttls };

// "default", "none", "smtps", "starttls": the words of `secure-option` in the configuration.
const char* secure_option_name(SecureOption);
bool parse_secure_option(std::string_view word, SecureOption* out);

struct MailServer {
  std::string host; uint16_t port = 0;     // 0 = 465 for Smtps, else 25
  SecureOption secure = SecureOption::Default;
  std::string username, password;          // AUTH PLAIN (or LOGIN if only that is offered); "" = no AUTH
  std::string client_cert;                 // PEM file holding certificate + key for TLS client auth; "" = none
  std::string ca_file;                     // "" = OpenSSL default verify paths
  bool verify = false;                     // fail when the server certificate does not verify
  std::string helo;                        // "" = gethostname()
  uint32_t timeout_ms = 30000;             // per step (connect, each reply, handshake)
  // Limits on what a server may send us, so a broken or hostile peer cannot grow our buffers without end.
  uint32_t max_reply_line = 4096;          // RFC 5321 says 512; real servers send longer, never this long
  uint32_t max_reply_lines = 200;          // lines of one multi-line reply (EHLO lists run to ~20)

  uint16_t effective_port() const { return port != 0 ? port : (secure == SecureOption::Smtps ? 465 : 25); }
};

// What happened, step by step (for diagnose output and logs). Credentials never appear in it.
struct Transcript {
  struct Step { uint64_t at_us; std::string direction; std::string text; };  // "C", "S", "TLS", "ERR"
  std::vector<Step> steps;
};
// One line per step: "+12.345 ms S: 220 mx.example ESMTP".
std::string format_transcript(const Transcript&);

// 5xx → not retryable; 4xx, network and TLS failures → retryable.
struct SendResult { bool ok = false; bool retryable = false; std::string error; std::string final_reply; };

}  // namespace sluice::control::notify
