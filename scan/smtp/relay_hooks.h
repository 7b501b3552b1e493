// scan/smtp/relay_hooks.h — what the SMTP relay asks of policy and scanning, and what it tells them.
//
// Owns: the narrow interface between the relay (which knows SMTP) and the inspector (which knows policy,
// scanning and logging) — in the spirit of Envoy's network filters. The relay never decides a verdict; the
// hooks never see SMTP framing. Calls nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "scan/smtp/session_sink.h"

namespace sluice::smtp {

// A reply the relay gives itself instead of forwarding a command. code 0 = no objection: forward it.
struct LocalReply {
  int code = 0;
  std::string text;   // everything after the code: "5.7.1 <u@x>: Relay access denied"
  bool refuses() const { return code != 0; }
};

// The verdict on a whole message, at its end of data.
struct MessageDecision {
  enum class Kind : uint8_t { Deliver, Refuse };
  Kind kind = Kind::Deliver;
  LocalReply refusal;          // Refuse: the reply the client gets (550 5.7.1 ..., 451 4.7.1 ..., 552 5.3.4 ...)
  std::string added_headers;   // Deliver: header lines ("Name: value\r\n") put before the message, if it was held
};

// How a message ended, for the log.
struct MessageOutcome {
  int client_code = 0;          // the reply the client got to its end of data (0: none, e.g. the client vanished)
  std::string client_text;
  int backend_code = 0;         // the backend's reply to the message (0: the backend never got the end of data)
  std::string backend_text;
  bool headers_added = false;   // a tag decision's headers reached the backend
};

class RelayHooks {
 public:
  virtual ~RelayHooks() = default;
  // MAIL FROM, before it is forwarded: sender lists, reputation.
  virtual LocalReply on_mail(const Envelope&) = 0;
  // RCPT TO, before it is forwarded: relay control, recipient lists, greylisting.
  virtual LocalReply on_rcpt(const Envelope&, std::string_view recipient) = 0;
  // The client starts sending content (354 given, or the first BDAT chunk).
  virtual void on_message_begin(const Envelope&) = 0;
  // Canonical content (body_canonicalizer.h) in order: exactly the bytes the backend will store.
  virtual void on_message_content(std::string_view canonical) = 0;
  // The end of data. `held` is the whole content when the backend has seen none of it yet, else empty (it
  // streamed). The decision is final for this message.
  virtual MessageDecision on_message_end(const MessageEnd&, std::string_view held) = 0;
  // Called once per message begun: after on_message_end's outcome is known, or when the connection ended first.
  virtual void on_message_done(const MessageOutcome&) = 0;
};

}  // namespace sluice::smtp
