// scan/smtp/session_sink.h — what the passive parser reports, and to whom.
// Owns: Envelope, MessageEnd and the SessionSink callback interface.
// Calls nothing; implemented by the pipeline (MIME parser, logger) and tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::smtp {

struct Envelope {
  std::string helo;                       // HELO/EHLO argument the server accepted
  bool esmtp = false;                     // it was EHLO
  std::string mail_from;                  // reverse-path without <>; "" for <>
  std::vector<std::string> mail_params;   // as sent, e.g. "SIZE=1234"
  std::vector<std::string> rcpt_to;       // recipients the server accepted (2xx)
  std::vector<std::string> rcpt_rejected; // recipients refused by the server
};

struct MessageEnd {
  bool complete = false;          // saw the end-of-data (or BDAT LAST)
  int final_reply_code = 0;       // server's reply to the end of data (0 = none seen)
  std::string final_reply_text;   // first line, sanitised, bounded
  uint64_t size = 0;              // content bytes after dot-unstuffing (what the server stores)
  uint32_t flags = 0;             // SessionFlag bits seen during this message
  bool bdat = false;
};

class SessionSink {
 public:
  virtual ~SessionSink() = default;
  virtual void on_greeting(int /*code*/, std::string_view /*text*/) {}
  // The lines after the first of a 2xx EHLO reply, as sent ("SIZE 10240000").
  virtual void on_capabilities(const std::vector<std::string>& /*ehlo_keywords*/) {}
  virtual void on_message_begin(const Envelope&) = 0;        // at 354 / first BDAT
  virtual void on_message_data(std::string_view content) = 0;
  // Called when the final reply arrives (or at close/desync).
  virtual void on_message_end(const Envelope&, const MessageEnd&) = 0;
  virtual void on_starttls() {}
};

}  // namespace sluice::smtp
