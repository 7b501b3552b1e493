// scan/smtp/passive_session.cc — the client→server stream: commands, held
// bytes, DATA bodies and BDAT chunks. See passive_session.h.
#include "scan/smtp/passive_session.h"

namespace sluice::smtp {

PassiveSession::PassiveSession(const SmtpLimits& limits, SessionSink& sink)
    : limits_(limits),
      sink_(sink),
      client_lines_(limits.max_command_line),
      server_lines_(limits.max_reply_line),
      replies_(limits),
      decoder_(limits.max_line_length),
      pending_(limits.max_pipelined_commands) {}

void PassiveSession::on_client_bytes(std::string_view bytes) {
  if (closed_ || encrypted_ || bytes.empty()) return;
  // Raised once, at the first early byte, so how the bytes were chunked cannot change which message has it.
  if (!greeting_seen_ && !(flags_ & flag_bit(SessionFlag::PreGreeting))) raise(flag_bit(SessionFlag::PreGreeting));
  process_client(bytes);
}

void PassiveSession::on_client_gap(uint32_t bytes) {
  if (closed_ || encrypted_ || bytes == 0) return;
  client_gap(bytes);
}

void PassiveSession::process_client(std::string_view bytes) {
  while (!bytes.empty()) {
    switch (client_mode_) {
      case ClientMode::Ignored:
        return;
      case ClientMode::Held:
        hold(bytes);
        return;
      case ClientMode::Body:
        feed_body(bytes);
        break;
      case ClientMode::Chunk:
        feed_chunk(bytes);
        break;
      case ClientMode::Commands: {
        bool ready = false;
        bytes.remove_prefix(client_lines_.feed(bytes, ready));
        if (ready) on_command_line(client_lines_.piece());
        break;
      }
    }
  }
}

void PassiveSession::client_gap(uint64_t bytes) {
  switch (client_mode_) {
    case ClientMode::Ignored:
      return;
    case ClientMode::Commands:
      client_lines_.resync_at_next_line();
      return;
    case ClientMode::Held:
      held_lost_ += bytes;
      return;
    case ClientMode::Body:
      raise(flag_bit(SessionFlag::Truncated));
      message_gap_ = true;
      decoder_.note_gap();
      return;
    case ClientMode::Chunk: {
      raise(flag_bit(SessionFlag::Truncated));
      message_gap_ = true;
      const uint64_t covered = bdat_.skip(bytes);
      if (bdat_.done()) chunk_finished();
      if (bytes > covered) client_gap(bytes - covered);
      return;
    }
  }
}

PendingCommand* PassiveSession::expect_reply(Awaiting what) {
  // Another command still unanswered: the client is pipelining.
  if (pending_.size() > 0 && what != Awaiting::EndOfData && what != Awaiting::BdatChunk)
    raise(flag_bit(SessionFlag::Pipelining));
  PendingCommand* slot = pending_.push(what);
  // Past max_pipelined_commands replies can no longer be paired reliably.
  if (slot == nullptr) raise(flag_bit(SessionFlag::Desync));
  return slot;
}

void PassiveSession::on_command_line(const LinePiece& piece) {
  if (!piece.first) return;  // rest of an over-long line: already reported
  if (auth_in_progress_) {
    expect_reply(Awaiting::AuthData);  // a SASL response, not a command
    return;
  }
  if (!piece.last || piece.bare_cr || piece.bare_lf) {
    // One malformed command (SM-17, RES-5): the server answers it once.
    if (!piece.last) raise(flag_bit(SessionFlag::LongCommand));
    if (piece.bare_cr) raise(flag_bit(SessionFlag::BareCr));
    if (piece.bare_lf) raise(flag_bit(SessionFlag::BareLf));
    raise(flag_bit(SessionFlag::UnknownCommand));
    expect_reply(Awaiting::Other);
    return;
  }
  on_command(commands_.parse(piece.text));
}

void PassiveSession::on_command(const Command& command) {
  PendingCommand* pending = nullptr;
  switch (command.verb) {
    case Verb::Helo:
    case Verb::Ehlo:
      helo_seen_ = true;
      pending = expect_reply(command.verb == Verb::Ehlo ? Awaiting::Ehlo : Awaiting::Helo);
      if (pending) pending->argument.assign(command.argument);
      return;
    case Verb::Mail:
      transaction_flags_ = 0;
      rcpt_commands_ = 0;
      pending = expect_reply(Awaiting::Mail);
      if (!pending) return;
      pending->argument.assign(command.argument);
      for (const std::string_view param : command.params) pending->params.emplace_back(param);
      return;
    case Verb::Rcpt:
      if (++rcpt_commands_ > limits_.max_recipients)
        raise(flag_bit(SessionFlag::TooManyRecipients));
      pending = expect_reply(Awaiting::Rcpt);
      if (pending) pending->argument.assign(command.argument);
      return;
    case Verb::Data:
    case Verb::Starttls:
      held_for_ = command.verb == Verb::Data ? Awaiting::Data : Awaiting::Starttls;
      expect_reply(held_for_);
      client_mode_ = ClientMode::Held;
      return;
    case Verb::Bdat:
      start_chunk(command);
      return;
    case Verb::Rset:
      expect_reply(Awaiting::Rset);
      return;
    case Verb::Auth:
      expect_reply(Awaiting::Auth);
      return;
    case Verb::Unknown:
      raise(flag_bit(SessionFlag::UnknownCommand));
      expect_reply(Awaiting::Other);
      return;
    default:
      expect_reply(Awaiting::Other);
      return;
  }
}

void PassiveSession::start_chunk(const Command& command) {
  raise(flag_bit(SessionFlag::Bdat));
  if (pending_.size() > 0) raise(flag_bit(SessionFlag::Pipelining));
  if (message_state_ != MessageState::Receiving) begin_message(true);
  bdat_.start(command.bdat_size, command.bdat_last);
  client_mode_ = ClientMode::Chunk;
  if (bdat_.done()) chunk_finished();  // BDAT 0 [LAST]
}

void PassiveSession::hold(std::string_view bytes) {
  const size_t room = limits_.max_held_bytes - held_.size();
  const size_t kept = bytes.size() < room ? bytes.size() : room;
  held_.append(bytes.substr(0, kept));
  // Bytes past the bound are lost to us: a gap, once the reply decides.
  held_lost_ += bytes.size() - kept;
}

void PassiveSession::release_held() {
  replay_.swap(held_);
  held_.clear();
  const uint64_t lost = held_lost_;
  held_lost_ = 0;
  process_client(replay_);
  replay_.clear();
  if (lost > 0) client_gap(lost);
}

void PassiveSession::feed_body(std::string_view& bytes) {
  const DataDecoder::Result result = decoder_.feed(bytes, content_);
  bytes.remove_prefix(result.consumed);
  raise(decoder_.flags());
  deliver(content_);
  content_.clear();
  if (result.ended) body_finished();
}

void PassiveSession::feed_chunk(std::string_view& bytes) {
  const std::string_view chunk = bdat_.take(bytes);
  bytes.remove_prefix(chunk.size());
  deliver(chunk);
  if (bdat_.done()) chunk_finished();
}

void PassiveSession::body_finished() {
  client_mode_ = ClientMode::Commands;
  client_lines_.reset();
  PendingCommand* pending = expect_reply(Awaiting::EndOfData);
  if (pending) pending->message_seq = message_seq_;
  if (message_state_ != MessageState::Receiving) return;
  message_.complete = true;
  message_state_ = MessageState::AwaitingReply;
  if (!pending) end_message(true, 0, 0);
}

void PassiveSession::chunk_finished() {
  client_mode_ = ClientMode::Commands;
  client_lines_.reset();
  // The message may already be over: the server refused an earlier chunk.
  if (bdat_.last() && message_state_ == MessageState::Receiving) {
    message_.complete = true;
    message_state_ = MessageState::AwaitingReply;
  }
  PendingCommand* pending = expect_reply(Awaiting::BdatChunk);
  if (pending) {
    pending->message_seq = message_seq_;
    pending->last_chunk = bdat_.last();
  } else if (bdat_.last()) {
    end_message(true, 0, 0);
  }
}

}  // namespace sluice::smtp
