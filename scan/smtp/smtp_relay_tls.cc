// scan/smtp/smtp_relay_tls.cc — STARTTLS and SMTPS: when each leg turns to TLS, and what is reset when it does.
//
// The order is the point (THREATS.md §1): the client's STARTTLS waits for every earlier reply; then the backend
// leg is secured (STARTTLS, 220 and nothing after it, handshake, verification) before the client hears 220, so a
// client never gets TLS towards Sluice while the backend leg silently stays plaintext, unless the profile says
// opportunistic or none. Anything the client sent after STARTTLS before its 220 is dropped (CVE-2011-0411), and
// the SMTP state is reset as RFC 3207 requires.
#include <string>

#include "scan/smtp/smtp_relay.h"

namespace sluice::smtp {

namespace {

constexpr std::string_view kReadyToStartTls = "2.0.0 Ready to start TLS";
constexpr std::string_view kTlsActive = "5.5.1 Error: TLS already active";

}  // namespace

void SmtpRelay::set_tls(const RelayTls& tls) {
  tls_ = tls;
  client_tls_ = tls.client_tls;
  backend_tls_ = false;
  tls_step_ = TlsStep::None;
  server_tls_wait_ = false;
  need_helo_ = false;
  authenticated_ = false;
  prelude_banner_.clear();
}

void SmtpRelay::on_starttls(std::string_view) {
  if (client_tls_) {
    refuse(503, kTlsActive, true);
    return;
  }
  if (!tls_.offer_starttls && !tls_.splice) {
    refuse(502, "5.5.1 Error: command not implemented", true);
    return;
  }
  push(Expect::StarttlsGate, Verb::Starttls);
  mode_ = ClientMode::AwaitingTls;   // from here until the switch, client bytes are dropped, never commands
  gated_ = true;
}

// Every earlier reply has gone out: secure the backend leg first (or splice, or go on without it).
void SmtpRelay::resolve_starttls_gate() {
  if (tls_.splice || (tls_.backend != BackendStarttls::Never && backend_caps_.starttls)) {
    to_server_.append("STARTTLS\r\n");
    push(Expect::BackendStarttls, Verb::Starttls);
    return;
  }
  if (tls_.backend == BackendStarttls::Required) {
    tls_unavailable("the backend does not offer STARTTLS");
    return;
  }
  flags_ |= flag_bit(SessionFlag::BackendPlaintext);
  grant_client_tls(true);
}

void SmtpRelay::on_backend_starttls_reply(int code) {
  if (code == 220) {
    server_tls_wait_ = true;
    if (tls_.splice) {
      relay_reply(replies_, Verb::Starttls);
      tls_step_ = TlsStep::Splice;
    } else {
      tls_step_ = TlsStep::StartBackendTls;
    }
    return;
  }
  if (tls_.splice) {   // certificate inspection: the backend's refusal is the client's answer; plaintext goes on
    relay_reply(replies_, Verb::Starttls);
    mode_ = ClientMode::Commands;
    gated_ = false;
    return;
  }
  if (tls_.backend == BackendStarttls::Required || !greeted_) {
    tls_unavailable("the backend answered STARTTLS with " + std::to_string(code));
    return;
  }
  flags_ |= flag_bit(SessionFlag::BackendPlaintext);
  grant_client_tls(true);
}

// SMTPS client, STARTTLS backend: the relay's own EHLO was answered; STARTTLS if offered.
void SmtpRelay::on_prelude_ehlo_reply() {
  bool offered = false;
  if (replies_.code() >= 200 && replies_.code() < 300) {
    for (uint32_t i = 1; i < replies_.line_count(); ++i) offered |= is_keyword(replies_.line_text(i), "STARTTLS");
  }
  if (!offered) {
    tls_unavailable("the backend does not offer STARTTLS");
    return;
  }
  to_server_.append("STARTTLS\r\n");
  push(Expect::BackendStarttls, Verb::Starttls);
}

void SmtpRelay::on_backend_tls(bool ok, std::string_view why) {
  const bool after_starttls = server_tls_wait_;   // else implicit TLS from the first byte: nothing waits on it
  server_tls_wait_ = false;
  if (tls_step_ == TlsStep::StartBackendTls) tls_step_ = TlsStep::None;
  if (mode_ == ClientMode::Closing || close_after_output_) return;   // the session ended meanwhile (time-out)
  if (!ok) {
    std::string text = "the backend's TLS failed";
    if (!why.empty()) text.append(": ").append(why.substr(0, 200));
    tls_unavailable(text);
    advance();
    return;
  }
  backend_tls_ = true;
  authenticated_ = false;   // the backend reset its own session on STARTTLS
  if (!after_starttls) return;
  if (!greeted_) {   // SMTPS prelude done: the banner goes out now, inside the client's TLS
    append_reply(220, prelude_banner_);
    greeted_ = true;
    gated_ = false;
    advance();
    return;
  }
  grant_client_tls(false);
  advance();
}

// 220 to the client and the RFC 3207 reset. reset_backend: the backend leg stays plaintext, so RSET clears any
// transaction it holds (the backend itself resets on its own STARTTLS otherwise).
void SmtpRelay::grant_client_tls(bool reset_backend) {
  if (reset_backend && authenticated_) {   // ST-9: RSET does not undo AUTH, and the backend leg cannot be reset
    tls_unavailable("authentication done before STARTTLS cannot be reset on a plaintext backend");
    return;
  }
  if (reset_backend) {
    to_server_.append("RSET\r\n");
    push(Expect::Silent);
  }
  append_reply(220, kReadyToStartTls);
  reset_transaction();
  envelope_.helo.clear();
  envelope_.esmtp = false;
  sasl_line_next_ = false;
  need_helo_ = true;
  tls_step_ = TlsStep::StartClientTls;   // mode_ stays AwaitingTls until the owner has switched the leg
}

void SmtpRelay::tls_unavailable(std::string_view why) {
  tls_step_ = TlsStep::None;
  server_tls_wait_ = false;
  std::string text = "4.7.0 TLS not available: ";
  text.append(why);
  if (!greeted_) {   // the client has not had a banner yet (SMTPS prelude): this is its first and last reply
    greeted_ = true;
    append_reply(421, text);
    close_after_output_ = true;
    mode_ = ClientMode::Closing;
    return;
  }
  close_with(421, text);
}

void SmtpRelay::tls_step_done() {
  if (tls_step_ == TlsStep::StartClientTls) {
    client_tls_ = true;
    mode_ = ClientMode::Commands;
    gated_ = false;
    client_lines_.reset();
  }
  if (tls_step_ != TlsStep::Splice) tls_step_ = TlsStep::None;
}

}  // namespace sluice::smtp
