// scan/smtp/passive_session_replies.cc — the server→client stream: replies
// matched to pending commands in order, and what each reply decides.
#include "scan/smtp/passive_session.h"

namespace sluice::smtp {
namespace {

bool positive(int code) { return code >= 200 && code < 300; }
// 2xx, 4xx and 5xx close a command or a transaction; 1xx and 3xx do not.
bool final_code(int code) { return positive(code) || (code >= 400 && code < 600); }

}  // namespace

void PassiveSession::on_server_bytes(std::string_view bytes) {
  if (closed_ || encrypted_) return;
  while (!bytes.empty() && !encrypted_) {
    bool ready = false;
    bytes.remove_prefix(server_lines_.feed(bytes, ready));
    if (!ready) continue;
    switch (replies_.on_piece(server_lines_.piece())) {
      case ReplyParser::Result::Complete:
        on_reply();
        break;
      case ReplyParser::Result::Malformed:
        raise(flag_bit(SessionFlag::MalformedReply));
        break;
      case ReplyParser::Result::Incomplete:
        break;
    }
  }
}

void PassiveSession::on_server_gap(uint32_t bytes) {
  if (closed_ || encrypted_ || bytes == 0) return;
  server_lines_.resync_at_next_line();
  replies_.reset();
}

void PassiveSession::on_reply() {
  const int code = replies_.code();
  if (!greeting_seen_) {
    // A capture that starts after the banner (mid-stream pick-up) shows the client's commands first: then
    // a reply that is not a greeting code answers the oldest of them, and the greeting is taken as missed.
    const bool greeting_code = code == 220 || code == 421 || code == 554;
    if (pending_.front() == nullptr || greeting_code) {
      on_greeting_reply();
      return;
    }
    greeting_seen_ = true;   // missed, not absent: the early client bytes were not pre-greeting traffic
    const uint32_t not_pregreeting = ~flag_bit(SessionFlag::PreGreeting);
    flags_ &= not_pregreeting;
    transaction_flags_ &= not_pregreeting;
    message_.flags &= not_pregreeting;
  }
  if (client_mode_ == ClientMode::Body && final_code(code)) {
    on_final_reply_during_body(code);
    return;
  }
  PendingCommand* pending = pending_.front();
  if (pending == nullptr) {
    // Nothing asked: the server answered a command we never saw, or the
    // body is still running in a BDAT chunk.
    if (client_mode_ == ClientMode::Chunk) raise(flag_bit(SessionFlag::Desync));
    return;
  }
  if (code < 200) return;  // 1xx is not used by SMTP; it answers nothing
  const Awaiting what = pending->what;
  auth_in_progress_ = (what == Awaiting::Auth || what == Awaiting::AuthData) && code == 334;
  switch (what) {
    case Awaiting::Helo:
    case Awaiting::Ehlo:
      on_helo_reply(*pending, code);
      break;
    case Awaiting::Mail:
      on_mail_reply(*pending, code);
      break;
    case Awaiting::Rcpt:
      on_rcpt_reply(*pending, code);
      break;
    case Awaiting::EndOfData:
    case Awaiting::BdatChunk:
      on_message_reply(*pending, code);
      break;
    case Awaiting::Rset:
      if (positive(code)) reset_transaction();
      break;
    default:
      break;
  }
  pending_.pop();
  // These may re-read held client bytes, which pushes new pending entries:
  // they run only after the answered entry left the queue.
  if (what == Awaiting::Data) on_data_reply(code);
  if (what == Awaiting::Starttls) on_starttls_reply(code);
}

void PassiveSession::on_greeting_reply() {
  greeting_seen_ = true;
  greeting_220_ = replies_.code() == 220;
  sink_.on_greeting(replies_.code(), replies_.line_count() > 0 ? replies_.line_text(0) : "");
}

void PassiveSession::on_helo_reply(const PendingCommand& pending, int code) {
  if (!positive(code)) return;
  reset_transaction();  // RFC 5321 §4.1.4: HELO/EHLO reset the transaction
  envelope_.helo = pending.argument;
  envelope_.esmtp = pending.what == Awaiting::Ehlo;
  if (!envelope_.esmtp) return;
  capabilities_.clear();
  for (uint32_t i = 1; i < replies_.line_count(); ++i)
    capabilities_.emplace_back(replies_.line_text(i));
  sink_.on_capabilities(capabilities_);
}

void PassiveSession::on_mail_reply(const PendingCommand& pending, int code) {
  if (!positive(code)) return;
  envelope_.mail_from = pending.argument;
  envelope_.mail_params = pending.params;
  envelope_.rcpt_to.clear();
  envelope_.rcpt_rejected.clear();
}

void PassiveSession::on_rcpt_reply(const PendingCommand& pending, int code) {
  std::vector<std::string>& list = positive(code) ? envelope_.rcpt_to : envelope_.rcpt_rejected;
  if (list.size() >= limits_.max_recipients) {
    raise(flag_bit(SessionFlag::TooManyRecipients));
    return;
  }
  list.push_back(pending.argument);
}

void PassiveSession::on_data_reply(int code) {
  if (client_mode_ != ClientMode::Held || held_for_ != Awaiting::Data) return;
  if (code == 354) {
    begin_message(false);
    client_mode_ = ClientMode::Body;
  } else {
    // DATA refused: what the client sent after it are commands (SM-18).
    client_mode_ = ClientMode::Commands;
    client_lines_.reset();
  }
  release_held();
}

void PassiveSession::on_starttls_reply(int code) {
  if (client_mode_ != ClientMode::Held || held_for_ != Awaiting::Starttls) return;
  if (code != 220) {
    client_mode_ = ClientMode::Commands;
    client_lines_.reset();
    release_held();
    return;
  }
  // Plaintext sent after STARTTLS and before its 220 would run inside TLS on
  // a vulnerable server (CVE-2011-0411).
  if (!held_.empty() || held_lost_ > 0) raise(flag_bit(SessionFlag::StarttlsInjection));
  held_.clear();
  held_lost_ = 0;
  encrypted_ = true;
  client_mode_ = ClientMode::Ignored;
  pending_.clear();
  sink_.on_starttls();
}

void PassiveSession::on_final_reply_during_body(int code) {
  // The server ended the transaction where we saw no terminator. A gap
  // explains it (Truncated is already set); otherwise we lost sync.
  end_message(false, code, message_gap_ ? 0 : flag_bit(SessionFlag::Desync));
  client_mode_ = ClientMode::Commands;
  client_lines_.reset();
  if (!decoder_.at_line_start()) client_lines_.resync_at_next_line();
}

void PassiveSession::on_message_reply(const PendingCommand& pending, int code) {
  if (pending.message_seq != message_seq_ || message_state_ == MessageState::None) return;
  if (pending.what == Awaiting::EndOfData || pending.last_chunk) {
    end_message(true, code, 0);
  } else if (!positive(code)) {
    end_message(false, code, 0);  // a refused chunk ends the transaction
  }
}

void PassiveSession::on_close() {
  if (closed_) return;
  if (message_state_ == MessageState::Receiving) {
    end_message(false, 0, flag_bit(SessionFlag::Truncated));
  } else if (message_state_ == MessageState::AwaitingReply) {
    end_message(true, 0, 0);
  }
  closed_ = true;
  client_mode_ = ClientMode::Ignored;
}

}  // namespace sluice::smtp
