// control/notify/smtp_session.h — one SMTP conversation up to "ready for MAIL", then one command at a time.
//
// Owns: the order of the opening steps — connect, banner, EHLO (HELO if EHLO is refused), TLS as the secure
// option says (SMTPS at once, STARTTLS when offered or required), EHLO again over TLS, AUTH PLAIN/LOGIN —
// and the facts gathered on the way (timings, banner, capability lists, the TLS peer). send_mail and the
// mail-server probe both open their conversations here, so `diagnose test connection mailserver`
// exercises exactly the path alert mail takes.
// `default` upgrades when STARTTLS is offered and goes on in plaintext when it is absent or refused with a
// reply; a handshake that fails fails the send (retryable) instead of reconnecting in plaintext: a silent
// downgrade after a broken handshake is exactly what an attacker on the path would provoke.
// May call: smtp_connection, OpenSSL (base64), the C++ standard library.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/notify/mail_types.h"
#include "control/notify/smtp_connection.h"

namespace sluice::control::notify {

// What the opening steps learnt; filled as far as the conversation got, also when it failed.
struct SessionFacts {
  std::string address;                          // ip:port connected to
  sockaddr_storage peer{};                      // the same, for reverse DNS
  socklen_t peer_len = 0;
  uint64_t connect_us = 0, banner_us = 0;       // TCP connect; connect done → full banner
  SmtpReply banner;
  std::vector<std::string> capabilities;        // EHLO before TLS (empty for SMTPS)
  std::vector<std::string> capabilities_tls;    // EHLO after TLS
  bool starttls_offered = false;
  bool tls = false;
  TlsPeerInfo tls_info;
  bool authenticated = false;
};

// The DATA payload for a message: lines ending in CRLF (a bare LF becomes CRLF), a line starting with "."
// gets a second one (RFC 5321 §4.5.2), and the terminating ".\r\n" appended.
std::string smtp_data_payload(std::string_view message);

// An address for MAIL FROM/RCPT TO: refuses CR, LF, '<', '>' (command injection) and empty recipients.
bool valid_envelope_address(std::string_view address, bool allow_empty);

class SmtpSession {
 public:
  SmtpSession(const MailServer& server, Transcript* transcript);
  ~SmtpSession();

  // Connect, banner, EHLO, TLS, AUTH. On failure the result says which step failed and whether to retry.
  SendResult open();
  // One command and its reply. A reply that arrived (any code) returns true; false = connection failure.
  bool command(std::string_view line, SmtpReply* reply, std::string* error);
  // DATA, the payload, and the final reply.
  SendResult send_message(std::string_view message);
  // QUIT and its reply, best effort.
  void quit();

  const SessionFacts& facts() const { return facts_; }
  uint64_t elapsed_us() const { return connection_.elapsed_us(); }

  // The settled result for a reply to a step: 2xx/3xx ok; 4xx retryable; 5xx final.
  static SendResult from_reply(const std::string& step, const SmtpReply& reply);

 private:
  bool ehlo(std::vector<std::string>* capabilities, SendResult* failure);
  SendResult authenticate(const std::vector<std::string>& capabilities);
  SendResult tls_failure(const std::string& error);
  SendResult network_failure(const std::string& error);

  const MailServer& server_;
  SmtpConnection connection_;
  SessionFacts facts_;
  bool open_ = false;
  bool broken_ = false;   // a network or TLS failure: no point in a polite QUIT
};

}  // namespace sluice::control::notify
