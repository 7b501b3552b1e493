// scan/smtp/smtp_relay_replies.cc — backend replies matched to what the relay sent, in order (RFC 2920), and the
// replies the relay gives itself, released only when every earlier reply has gone out.
#include "scan/smtp/smtp_relay.h"

namespace sluice::smtp {

namespace {

// A relayed multi-line reply keeps at most this many lines (ST-14: a banner of 1,000 continuation lines must not
// become 1,000 lines of ours); the last line sent always ends the reply ("code SP").
constexpr uint32_t kMaxRelayedLines = 32;
constexpr size_t kRoomForRelayedReply = kMaxRelayedLines * 520;

bool positive(int code) { return code >= 200 && code < 300; }

constexpr std::string_view kPreludeEhloLine = "EHLO sluice.invalid\r\n";

}  // namespace

size_t SmtpRelay::on_server_bytes(std::string_view in) {
  size_t used = 0;
  advance();
  while (used < in.size()) {
    if (server_tls_wait_) {   // after the backend's 220 to STARTTLS, the next bytes must be TLS
      if (tls_step_ == TlsStep::StartBackendTls) {   // ST-6: the backend sent more in the same read
        flags_ |= flag_bit(SessionFlag::BackendInjection);
        tls_unavailable("the backend sent data after its 220 to STARTTLS");
        used = in.size();
      }
      break;
    }
    // A reply the relay owes the client comes before whatever the backend says next.
    if (ring_count_ > 0 && (head().expect == Expect::Local || head().expect == Expect::DataGate ||
                            head().expect == Expect::BdatGate || head().expect == Expect::StarttlsGate)) {
      break;
    }
    if (to_client_.room() < kRoomForRelayedReply) break;
    bool ready = false;
    used += server_lines_.feed(in.substr(used), ready);
    if (!ready) continue;
    const ReplyParser::Result r = replies_.on_piece(server_lines_.piece());
    if (r == ReplyParser::Result::Malformed) {
      flags_ |= flag_bit(SessionFlag::MalformedReply);
    } else if (r == ReplyParser::Result::Complete) {
      on_backend_reply();
      advance();
    }
  }
  advance();
  return used;
}

// "250-" or "250 ": a reply line's code and whether more lines follow.
void SmtpRelay::append_code(int code, bool last_line) {
  const char head[4] = {static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                        static_cast<char>('0' + code % 10), last_line ? ' ' : '-'};
  to_client_.append(std::string_view(head, 4));
}

void SmtpRelay::append_reply(int code, std::string_view text) {
  append_code(code, true);
  to_client_.append(text);
  to_client_.append("\r\n");
}

// Re-serialised from the parsed reply: sanitised text (ReplyParser), bounded line count, one terminator.
void SmtpRelay::relay_reply(const ReplyParser& reply, Verb verb) {
  const int code = reply.code();
  if (verb == Verb::Ehlo && code == 250 && reply.line_count() > 0) {   // ST-13: any other code is relayed as it is
    ehlo_.begin(reply.line_text(0), tls_.offer_starttls && !client_tls_, tls_.require_tls && !client_tls_);
    for (uint32_t i = 1; i < reply.line_count(); ++i) ehlo_.capability(reply.line_text(i), backend_caps_);
    scratch_.clear();
    ehlo_.finish(scratch_, backend_caps_);
    to_client_.append(scratch_);
    return;
  }
  const uint32_t lines = std::min(std::max(reply.line_count(), 1u), kMaxRelayedLines);
  for (uint32_t i = 0; i < lines; ++i) {
    append_code(code, i + 1 == lines);
    if (i < reply.line_count()) to_client_.append(reply.line_text(i));
    to_client_.append("\r\n");
  }
}

void SmtpRelay::on_backend_reply() {
  const int code = replies_.code();
  if (code < 200) return;   // 1xx answers nothing in SMTP
  if (ring_count_ > 0 && (head().expect == Expect::BackendStarttls || head().expect == Expect::PreludeEhlo)) {
    const Expect what = head().expect;
    pop();
    if (what == Expect::BackendStarttls) {
      on_backend_starttls_reply(code);
    } else {
      on_prelude_ehlo_reply();
    }
    return;
  }
  if (!greeted_ && tls_.backend_prelude && !backend_tls_ && code == 220) {
    // SMTPS with a STARTTLS backend: the banner waits until the backend leg is TLS (ST-7: never plaintext)
    prelude_banner_.assign(replies_.line_count() > 0 ? replies_.line_text(0) : std::string_view{});
    to_server_.append(kPreludeEhloLine);
    push(Expect::PreludeEhlo, Verb::Ehlo);
    return;
  }
  if (!greeted_) {          // the banner: relayed the moment it is complete
    relay_reply(replies_, Verb::Unknown);
    greeted_ = true;
    gated_ = false;
    if (tls_.backend_prelude && !backend_tls_) {   // a refusing banner: the backend leg can never be secured
      close_after_output_ = true;
      mode_ = ClientMode::Closing;
    }
    return;
  }
  if (ring_count_ == 0) {   // unsolicited: only a 421 (the backend is closing) means anything to the client
    if (code == 421) {
      relay_reply(replies_, Verb::Unknown);
      mode_ = ClientMode::Closing;
      close_after_output_ = true;
    }
    return;
  }
  Pending& h = head();
  bool auth_failed = false;
  switch (h.expect) {
    case Expect::ClientReply:
      switch (h.verb) {
        case Verb::Helo:
        case Verb::Ehlo:
          if (positive(code)) {
            reset_transaction();
            backend_caps_.reset();
          }
          break;
        case Verb::Mail:
          mail_forwarded_ = false;
          mail_ok_ = positive(code);
          if (!mail_ok_) {
            envelope_.mail_from.clear();
            envelope_.mail_params.clear();
          }
          break;
        case Verb::Rcpt:
          (positive(code) ? envelope_.rcpt_to : envelope_.rcpt_rejected).push_back(h.text);
          break;
        case Verb::Auth:
          sasl_line_next_ = code == 334;
          if (code == 235) authenticated_ = true;
          auth_failed = code >= 500;
          gated_ = false;
          break;
        default:
          break;
      }
      relay_reply(replies_, h.verb);
      // RES-12: a failed AUTH counts towards max-errors, so a client guessing passwords is cut off after the
      // limit (421 after the 535 it just heard) instead of reaching the backend a hundred times.
      if (auth_failed) count_error();
      break;
    case Expect::Silent:
      if (!positive(code) && !backend_failed_) {
        backend_failed_ = true;
        backend_fail_code_ = code;
        backend_fail_text_.assign(replies_.line_count() > 0 ? replies_.line_text(0) : std::string_view{});
      }
      break;
    case Expect::BackendData:
      if (code == 354) {
        send_held_as_data();
      } else {
        backend_ = Backend::Idle;
        backend_failed_ = true;
        backend_fail_code_ = code;
        backend_fail_text_.assign(replies_.line_count() > 0 ? replies_.line_text(0) : std::string_view{});
        if (final_after_go_) {   // the end of data is already known: the refusal is the client's answer
          pop();
          Pending& reply = head();   // the MessageReply pushed with it
          reply.expect = Expect::Local;
          reply.code = code;
          reply.text = backend_fail_text_;
          outcome_.client_code = outcome_.backend_code = code;
          outcome_.client_text = outcome_.backend_text = backend_fail_text_;
          outcome_pending_ = false;
          hooks_.on_message_done(outcome_);
          clear_message_state();
          gated_ = false;
          return;
        }
      }
      break;
    case Expect::MessageReply:
      relay_reply(replies_, Verb::Data);
      if (positive(code)) junk_commands_ = 0;   // as Postfix: a client that delivers mail is not looping
      outcome_.client_code = outcome_.backend_code = code;
      outcome_.client_text = outcome_.backend_text =
          std::string(replies_.line_count() > 0 ? replies_.line_text(0) : std::string_view{});
      outcome_pending_ = false;
      hooks_.on_message_done(outcome_);
      break;
    default:
      break;
  }
  pop();
}

// Sends every reply the relay owes that is now at the head of the ring, and takes the DATA/BDAT decisions
// whose earlier replies are all known.
void SmtpRelay::advance() {
  while (ring_count_ > 0) {
    Pending& h = head();
    if (h.expect == Expect::Sent) {
      pop();
    } else if (h.expect == Expect::Local) {
      if (to_client_.room() < h.text.size() + 8) return;
      append_reply(h.code, h.text);
      if (h.close_after) {
        close_after_output_ = true;
        mode_ = ClientMode::Closing;
      }
      pop();
    } else if (h.expect == Expect::DataGate) {
      if (to_client_.room() < kSlackForGate) return;
      pop();
      resolve_data_gate();
    } else if (h.expect == Expect::StarttlsGate) {
      if (to_client_.room() < kSlackForGate) return;
      pop();
      resolve_starttls_gate();
    } else if (h.expect == Expect::BdatGate) {
      if (to_client_.room() < kSlackForGate) return;
      const uint64_t size = h.bdat_size;
      const bool last = h.bdat_last;
      pop();
      resolve_bdat_gate(size, last);
    } else {
      send_past_silent();
      return;   // waits for the backend
    }
  }
}

// Local replies queued behind nothing but Silent entries (the backend's acknowledgements of BDAT chunks the
// client never sees) owe those entries nothing: a refusal of a streamed message goes out at once instead of
// after the backend has taken in every chunk already sent.
void SmtpRelay::send_past_silent() {
  size_t i = 0;
  while (i < ring_count_ && ring_[(ring_head_ + i) % ring_.size()].expect == Expect::Silent) ++i;
  for (; i < ring_count_; ++i) {
    Pending& p = ring_[(ring_head_ + i) % ring_.size()];
    if (p.expect != Expect::Local || to_client_.room() < p.text.size() + 8) return;
    append_reply(p.code, p.text);
    if (p.close_after) {
      close_after_output_ = true;
      mode_ = ClientMode::Closing;
    }
    p.expect = Expect::Sent;
  }
}

bool SmtpRelay::resolve_data_gate() {
  gated_ = false;
  if (mail_ok_ && !envelope_.rcpt_to.empty()) {
    append_reply(354, "End data with <CR><LF>.<CR><LF>");
    data_.reset();
    mode_ = ClientMode::DataBody;
    begin_message();
    return true;
  }
  append_reply(mail_ok_ ? 554 : 503, mail_ok_ ? "5.5.1 Error: no valid recipients" : "5.5.1 Error: need MAIL command");
  // SM-18 (RFC 2920 hazard): bytes sent after a DATA that did not get 354 were meant as content; reading them as
  // commands is how a second, smuggled transaction would start. Refuse and close, as Postfix 3.9 does.
  if (client_backlog_ > 0) {
    flags_ |= flag_bit(SessionFlag::Pipelining);
    append_reply(554, "5.5.0 Error: SMTP protocol synchronization");
    close_after_output_ = true;
    mode_ = ClientMode::Closing;
  }
  return false;
}

bool SmtpRelay::resolve_bdat_gate(uint64_t size, bool last) {
  gated_ = false;
  bdat_.start(size, last);
  bdat_chunk_size_ = size;
  if (!mail_ok_ || envelope_.rcpt_to.empty()) {   // RES-10: the chunk is read and dropped, then refused
    append_reply(mail_ok_ ? 554 : 503, mail_ok_ ? "5.5.1 Error: no valid recipients" : "5.5.1 Error: need MAIL command");
    mode_ = ClientMode::BdatSkip;
    if (size == 0) mode_ = ClientMode::Commands;
    return false;
  }
  bdat_transaction_ = true;
  begin_message();
  mode_ = ClientMode::BdatChunk;
  if (size == 0) {   // BDAT 0 LAST: an empty message
    mode_ = ClientMode::Commands;
    end_message();
  }
  return true;
}

}  // namespace sluice::smtp
