// scan/smtp/passive_session_messages.cc — message and transaction bookkeeping
// of PassiveSession: begin, content, end, and which flags belong to whom.
#include "scan/smtp/passive_session.h"

namespace sluice::smtp {

void PassiveSession::raise(uint32_t flag_bits) {
  flags_ |= flag_bits;
  transaction_flags_ |= flag_bits;
  if (message_state_ == MessageState::Receiving) message_.flags |= flag_bits;
}

void PassiveSession::begin_message(bool bdat) {
  // A pipelined client may start the next message before the previous one's
  // reply came; that one ends now, without its reply.
  if (message_state_ == MessageState::AwaitingReply) end_message(true, 0, 0);
  // DATA accepted in the middle of BDAT chunks: the server left the chunked
  // message behind in a way we did not see.
  if (message_state_ == MessageState::Receiving)
    end_message(false, 0, flag_bit(SessionFlag::Desync));
  ++message_seq_;
  message_ = MessageEnd{};
  message_.bdat = bdat;
  message_.flags = transaction_flags_;
  message_state_ = MessageState::Receiving;
  message_gap_ = false;
  decoder_.reset();
  sink_.on_message_begin(envelope_);
}

void PassiveSession::deliver(std::string_view content) {
  if (content.empty() || message_state_ != MessageState::Receiving) return;
  message_.size += content.size();
  sink_.on_message_data(content);
}

void PassiveSession::end_message(bool complete, int reply_code, uint32_t extra_flags) {
  if (message_state_ == MessageState::None) return;
  message_.complete = complete;
  message_.final_reply_code = reply_code;
  message_.final_reply_text.clear();
  if (reply_code != 0 && replies_.line_count() > 0)
    message_.final_reply_text.assign(replies_.line_text(0));
  raise(extra_flags);
  message_.flags |= extra_flags;
  message_state_ = MessageState::None;
  ++messages_;
  sink_.on_message_end(envelope_, message_);
  reset_transaction();
}

void PassiveSession::reset_transaction() {
  envelope_.mail_from.clear();
  envelope_.mail_params.clear();
  envelope_.rcpt_to.clear();
  envelope_.rcpt_rejected.clear();
  rcpt_commands_ = 0;
}

}  // namespace sluice::smtp
