// scan/smtp/smtp_relay_body.cc — message content: decoded, canonicalised, scanned, held or streamed, and the end of
// data held until the verdict.
//
// HOLD, THEN STREAM. Content is held until it passes hold_limit; a message that ends within it (most mail, nearly
// all spam) is judged before the backend sees a byte, so a refusal leaves no trace there and a tag can add its
// headers on top. A larger message streams: with a backend that offers CHUNKING as BDAT chunks (a refusal is then
// an RSET, the backend session goes on), otherwise as DATA (a refusal closes the backend leg without ".": the
// backend discards the partial message, THREATS RES-16). Either way only the end of data waits for the verdict.
#include "scan/smtp/smtp_relay.h"

namespace sluice::smtp {

void SmtpRelay::begin_message() {
  clear_message_state();
  held_.reserve(config_.hold_limit + 2 * DataDecoder::kMaxContentPerFeed);   // once per pooled session
  canonical_.reset();
  stuffer_.reset();
  message_open_ = true;
  ++messages_;
  outcome_ = MessageOutcome{};
  hooks_.on_message_begin(envelope_);
}

// Room for the worst case of one more input run: its canonical form (2x + 1) staged or stuffed (x 4/3), plus the
// held content if the message now has to start streaming in one go.
bool SmtpRelay::body_room() const {
  const size_t run = 3 * DataDecoder::kMaxContentPerFeed + 64;
  if (held_message_) return to_server_.room() >= held_.size() + run + 8192;
  if (backend_ == Backend::AwaitingGo) return held_.size() + run <= held_.capacity() && to_server_.room() >= run;
  return to_server_.room() >= run + (backend_caps_.chunking ? kStreamChunk : 0);
}

void SmtpRelay::take_content(std::string_view raw) {
  if (raw.empty()) return;
  canonical_buf_.clear();
  canonical_.feed(raw, canonical_buf_);
  deliver_canonical(canonical_buf_);
}

void SmtpRelay::deliver_canonical(std::string_view canonical) {
  if (canonical.empty()) return;
  content_size_ += canonical.size();
  // Over the size limit the message is refused at its end (552); what follows is neither scanned nor sent.
  if (config_.size_limit != 0 && content_size_ > config_.size_limit) return;
  hooks_.on_message_content(canonical);
  if (held_message_) {
    if (held_.size() + canonical.size() <= config_.hold_limit) {
      held_.append(canonical);
      return;
    }
    start_streaming();
  }
  stream(canonical);
}

void SmtpRelay::start_streaming() {
  held_message_ = false;
  if (backend_caps_.chunking) {
    backend_ = Backend::Streaming;   // held_ is now the staging area of the next chunk
    return;
  }
  to_server_.append("DATA\r\n");
  push(Expect::BackendData);
  backend_ = Backend::AwaitingGo;    // content keeps collecting in held_ until the backend's 354
}

void SmtpRelay::stream(std::string_view canonical) {
  if (backend_failed_) return;       // the backend refused a chunk: the rest has nowhere to go
  if (backend_ == Backend::AwaitingGo || backend_caps_.chunking) {
    held_.append(canonical);
    if (backend_ == Backend::Streaming && held_.size() >= kStreamChunk) flush_staged(false);
    return;
  }
  stuffer_.feed(canonical, to_server_);
}

// One BDAT chunk of the staged content (RFC 3030): no stuffing, the count says where it ends.
void SmtpRelay::flush_staged(bool last) {
  if (held_.empty() && !last) return;
  scratch_.assign("BDAT ");
  scratch_.append(std::to_string(held_.size()));
  scratch_.append(last ? " LAST\r\n" : "\r\n");
  to_server_.append(scratch_);
  to_server_.append(held_);
  held_.clear();
  if (!last) push(Expect::Silent, Verb::Bdat);
}

// The backend answered 354 to the relay's DATA: what collected meanwhile goes out stuffed, then, if the client's
// end of data is already known, the terminator.
void SmtpRelay::send_held_as_data() {
  backend_ = Backend::Streaming;
  if (final_after_go_) stuffer_.feed(added_headers_, to_server_);
  stuffer_.feed(held_, to_server_);
  held_.clear();
  if (final_after_go_) {
    stuffer_.finish(to_server_);
    outcome_.headers_added = !added_headers_.empty();
    clear_message_state();
    gated_ = false;
  }
}

void SmtpRelay::end_message() {
  canonical_buf_.clear();
  canonical_.finish(canonical_buf_);
  deliver_canonical(canonical_buf_);
  message_open_ = false;
  mode_ = ClientMode::Commands;

  MessageEnd end;
  end.complete = true;
  end.size = content_size_;
  end.bdat = bdat_transaction_;
  // This message's content flags; the session's command-line anomalies (a bare LF in a command, SM-17) were
  // answered when they happened and are not the message's.
  constexpr uint32_t kCommandOnly = flag_bit(SessionFlag::BareLf) | flag_bit(SessionFlag::BareCr) |
                                    flag_bit(SessionFlag::LongCommand) | flag_bit(SessionFlag::UnknownCommand);
  end.flags = (bdat_transaction_ ? 0 : data_.flags()) | (flags_ & ~kCommandOnly);
  if (canonical_.bare_cr()) end.flags |= flag_bit(SessionFlag::BareCr);
  if (canonical_.bare_lf()) end.flags |= flag_bit(SessionFlag::BareLf);
  const bool held = held_message_;
  const MessageDecision decision = hooks_.on_message_end(end, held ? std::string_view(held_) : std::string_view{});
  const bool chunked_stream = !held && backend_caps_.chunking;
  reset_transaction();

  if (backend_failed_ || decision.kind == MessageDecision::Kind::Refuse) {
    // The backend refused a streamed chunk (its reply is the client's answer), or the verdict refuses.
    const int code = backend_failed_ ? backend_fail_code_ : decision.refusal.code;
    const std::string& text = backend_failed_ ? backend_fail_text_ : decision.refusal.text;
    outcome_.client_code = code;
    outcome_.client_text = text;
    if (backend_failed_) {
      outcome_.backend_code = code;
      outcome_.backend_text = text;
    }
    Pending& reply = push(Expect::Local);
    reply.code = code;
    reply.text = text;
    if (held || chunked_stream) {
      to_server_.append("RSET\r\n");   // the backend drops MAIL/RCPT (and any chunks); the session goes on
      push(Expect::Silent, Verb::Rset);
    } else {
      reply.close_after = true;         // a DATA backend must never see the end of data: close without "."
      mode_ = ClientMode::Closing;
    }
    hooks_.on_message_done(outcome_);
    clear_message_state();
    return;
  }

  outcome_pending_ = true;
  if (held) {
    if (backend_caps_.chunking) {
      scratch_.assign("BDAT ");
      scratch_.append(std::to_string(decision.added_headers.size() + held_.size()));
      scratch_.append(" LAST\r\n");
      to_server_.append(scratch_);
      to_server_.append(decision.added_headers);
      to_server_.append(held_);
      outcome_.headers_added = !decision.added_headers.empty();
      push(Expect::MessageReply, Verb::Data);
      clear_message_state();
    } else {   // DATA: the body may only follow the backend's 354
      added_headers_ = decision.added_headers;
      to_server_.append("DATA\r\n");
      push(Expect::BackendData);
      push(Expect::MessageReply, Verb::Data);
      backend_ = Backend::AwaitingGo;
      held_message_ = false;
      final_after_go_ = true;
      gated_ = true;   // commands pipelined after "." must reach the backend after the body, not inside it
    }
    return;
  }
  if (backend_caps_.chunking) {
    flush_staged(true);
    push(Expect::MessageReply, Verb::Data);
    clear_message_state();
  } else if (backend_ == Backend::AwaitingGo) {
    final_after_go_ = true;
    push(Expect::MessageReply, Verb::Data);
    gated_ = true;
  } else {
    stuffer_.finish(to_server_);
    push(Expect::MessageReply, Verb::Data);
    clear_message_state();
  }
}

// The message will not end normally (client gone, RSET between chunks): the hooks log what was seen.
void SmtpRelay::abandon_message() {
  if (!message_open_) return;
  message_open_ = false;
  MessageEnd end;
  end.complete = false;
  end.size = content_size_;
  end.bdat = bdat_transaction_;
  end.flags = (flags_ & ~(flag_bit(SessionFlag::BareLf) | flag_bit(SessionFlag::BareCr))) |
              flag_bit(SessionFlag::Truncated);
  hooks_.on_message_end(end, {});
  hooks_.on_message_done(outcome_);
  clear_message_state();
}

void SmtpRelay::time_out() {
  if (mode_ == ClientMode::Closing) return;
  abandon_message();
  if (replies_backed_up()) {
    // RES-4: the client stopped reading. Its unread replies (and a 421 behind them) could never be delivered, and
    // the owner closes only once to_client has drained: drop them so both legs close now.
    to_client_.clear();
  } else {
    append_reply(421, "4.4.2 Error: timeout exceeded");
  }
  mode_ = ClientMode::Closing;
  close_after_output_ = true;
}

void SmtpRelay::on_client_closed() {
  abandon_message();
  mode_ = ClientMode::Closing;
}

void SmtpRelay::on_server_closed() {
  abandon_message();
  if (outcome_pending_) {   // the backend never answered the end of data: the client got no 250 either
    outcome_pending_ = false;
    hooks_.on_message_done(outcome_);
  }
  mode_ = ClientMode::Closing;
}

}  // namespace sluice::smtp
