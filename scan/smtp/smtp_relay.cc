// scan/smtp/smtp_relay.cc — client commands: read, checked, answered locally or re-serialised to the backend.
#include "scan/smtp/smtp_relay.h"

#include <algorithm>
#include <charconv>

namespace sluice::smtp {

namespace {

// Postfix's words where it has them, so an administrator reads the same replies with or without Sluice.
constexpr std::string_view kBareNewline = "5.5.2 Error: bare <CR> or <LF> received";
constexpr std::string_view kLineTooLong = "5.5.2 Error: line too long";
constexpr std::string_view kNotRecognized = "5.5.2 Error: command not recognized";
constexpr std::string_view kNotImplemented = "5.5.1 Error: command not implemented";
constexpr std::string_view kNoAuthorization = "5.7.0 Error: insufficient authorization";
constexpr std::string_view kNeedMail = "5.5.1 Error: need MAIL command";
constexpr std::string_view kTooManyRecipients = "4.5.3 Error: too many recipients";
constexpr std::string_view kTooManyErrors = "4.7.0 Error: too many errors";
constexpr std::string_view kBdatSyntax = "5.5.4 Syntax: BDAT count [LAST]";

std::string_view first_word(std::string_view line) {
  const size_t end = line.find(' ');
  return end == std::string_view::npos ? line : line.substr(0, end);
}

bool known_verb_word(std::string_view word) {
  for (std::string_view v : {"HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "QUIT", "STARTTLS", "NOOP",
                             "VRFY", "EXPN", "HELP", "AUTH"}) {
    if (equals_ignore_case(word, v)) return true;
  }
  return false;
}

}  // namespace

SmtpRelay::SmtpRelay(const RelayConfig& config, RelayHooks& hooks)
    : config_(config),
      hooks_(hooks),
      to_client_(config.output_capacity),
      to_server_(config.output_capacity + 2 * static_cast<size_t>(config.hold_limit) + 2 * kStreamChunk +
                 4 * DataDecoder::kMaxContentPerFeed),
      client_lines_(config.limits.max_command_line),
      server_lines_(config.limits.max_reply_line),
      replies_(config.limits),
      data_(config.limits.max_line_length),
      ehlo_(config.ehlo),
      ring_capacity_(config.limits.max_pipelined_commands + 8) {
  // Nothing is reserved here: an idle session (banner sent, waiting for EHLO) holds no relay buffer. The
  // pipelined-command ring grows by doubling up to its capacity, the decode buffers on the first message; a
  // pooled session keeps what it grew, so the steady state allocates nothing (issue 7: memory per idle session).
  ring_.resize(kInitialRing);
  reset();
}

void SmtpRelay::reset() {
  to_client_.clear();
  to_server_.clear();
  client_lines_.reset();
  server_lines_.reset();
  replies_.reset();
  backend_caps_.reset();
  ring_head_ = ring_count_ = 0;
  envelope_ = Envelope{};
  mode_ = ClientMode::Commands;
  greeted_ = false;
  gated_ = true;   // nothing is read from the client before the backend's greeting has gone out
  close_after_output_ = false;
  sasl_line_next_ = false;
  message_open_ = false;
  outcome_pending_ = false;
  client_backlog_ = 0;
  errors_ = flags_ = messages_ = 0;
  junk_commands_ = 0;
  long_line_ = false;
  line_flags_ = 0;
  set_tls(RelayTls{});
  reset_transaction();
  clear_message_state();
}

void SmtpRelay::reset_transaction() {
  mail_ok_ = mail_forwarded_ = false;
  bdat_transaction_ = false;
  envelope_.mail_from.clear();
  envelope_.mail_params.clear();
  envelope_.rcpt_to.clear();
  envelope_.rcpt_rejected.clear();
  rcpt_commands_ = 0;
  rcpt_overshoot_ = 0;
}

void SmtpRelay::clear_message_state() {
  backend_ = Backend::Idle;
  held_message_ = true;
  backend_failed_ = false;
  backend_fail_code_ = 0;
  backend_fail_text_.clear();
  final_after_go_ = false;
  held_.clear();
  added_headers_.clear();
  content_size_ = 0;
}

SmtpRelay::Pending& SmtpRelay::push(Expect expect, Verb verb) {
  if (ring_count_ == ring_.size()) grow_ring();
  Pending& p = ring_[(ring_head_ + ring_count_) % ring_.size()];
  ++ring_count_;
  p.expect = expect;
  p.verb = verb;
  p.code = 0;
  p.text.clear();
  p.bdat_size = 0;
  p.bdat_last = p.close_after = false;
  return p;
}

// Doubles the ring (at most ring_capacity_ entries), keeping the waiting entries in order from index 0.
void SmtpRelay::grow_ring() {
  std::vector<Pending> grown;
  grown.reserve(std::min(ring_capacity_, 2 * ring_.size()));
  for (size_t i = 0; i < ring_count_; ++i) grown.push_back(std::move(ring_[(ring_head_ + i) % ring_.size()]));
  grown.resize(grown.capacity());
  ring_ = std::move(grown);
  ring_head_ = 0;
}

void SmtpRelay::pop() {
  ring_head_ = (ring_head_ + 1) % ring_.size();
  --ring_count_;
}

void SmtpRelay::refuse(int code, std::string_view text, bool counts_as_error) {
  Pending& p = push(Expect::Local);
  p.code = code;
  p.text.assign(text);
  if (counts_as_error) count_error();
}

void SmtpRelay::count_error() {
  if (++errors_ >= config_.max_errors && !ring_full()) close_with(421, kTooManyErrors);
}

// Postfix counts HELO, EHLO, RSET, NOOP, VRFY and ETRN (smtpd.c SMTPD_CMD_FLAG_LIMIT); it refuses EXPN and HELP
// as errors, the relay forwards them, so they count here as junk. A client looping on them costs the backend work
// without ever sending mail, and the backend cannot limit a client it sees only through the proxy.
void SmtpRelay::count_junk() {
  if (++junk_commands_ > config_.max_junk_commands) count_error();
}

void SmtpRelay::close_with(int code, std::string_view text) {
  Pending& p = push(Expect::Local);
  p.code = code;
  p.text.assign(text);
  p.close_after = true;
  mode_ = ClientMode::Closing;
}

size_t SmtpRelay::on_client_bytes(std::string_view in) {
  size_t used = 0;
  advance();
  while (used < in.size() && client_step(in, used)) {
  }
  client_backlog_ = in.size() - used;
  advance();
  return used;
}

// One unit of client input (a command line piece, a run of content); false when reading must pause.
bool SmtpRelay::client_step(std::string_view in, size_t& used) {
  const std::string_view rest = in.substr(used);
  switch (mode_) {
    case ClientMode::Closing:
      used = in.size();   // nothing more is read as SMTP once the relay has decided to close
      return false;
    case ClientMode::AwaitingTls:
      // Sent after STARTTLS, before our 220: injected plaintext (CVE-2011-0411) or a client that did not wait.
      // Dropped; bytes after the 220 are the owner's to give to TLS.
      if (!rest.empty()) flags_ |= flag_bit(SessionFlag::StarttlsInjection);
      used = in.size();
      return false;
    case ClientMode::DataBody: {
      if (!body_room()) return false;
      decoded_.clear();
      const DataDecoder::Result r = data_.feed(rest, decoded_);
      used += r.consumed;
      take_content(decoded_);
      if (r.ended) end_message();
      return r.consumed > 0;
    }
    case ClientMode::BdatChunk: {
      if (!body_room()) return false;
      const std::string_view chunk = bdat_.take(rest.substr(0, DataDecoder::kMaxContentPerFeed));
      used += chunk.size();
      take_content(chunk);
      if (bdat_.done()) {
        mode_ = ClientMode::Commands;
        if (bdat_.last()) {
          end_message();
        } else {
          Pending& p = push(Expect::Local);
          p.code = 250;
          p.text = "2.0.0 Ok: " + std::to_string(bdat_chunk_size_) + " octets";
        }
      }
      return true;
    }
    case ClientMode::BdatSkip: {
      used += bdat_.take(rest).size();
      if (bdat_.done()) mode_ = ClientMode::Commands;
      return true;
    }
    case ClientMode::Commands:
      break;
  }
  // Commands wait while the backend is behind by a full output (RES-4: a pipelining flood is held by TCP,
  // not by the relay's memory); the hold area is for message content only.
  const size_t queued_to_server = to_server_.capacity() - to_server_.room();
  if (gated_ || ring_count_ + 2 >= ring_capacity_ || queued_to_server + config_.limits.max_command_line + 64 >
      config_.output_capacity || to_client_.room() < kSlackForOneReply) {
    return false;
  }
  // ST-15: a TLS record (a ClientHello) where a command should start: the client wanted implicit TLS or skipped
  // STARTTLS. Nothing of it is a command; say so and close instead of waiting for a CRLF that never comes.
  if (!client_lines_.mid_line() && rest.size() >= 2 && rest[0] == '\x16' && rest[1] == '\x03') {
    flags_ |= flag_bit(SessionFlag::UnknownCommand);
    close_with(421, "4.7.0 Error: TLS handshake received before STARTTLS");
    used = in.size();
    return false;
  }
  bool ready = false;
  used += client_lines_.feed(rest, ready);
  if (!ready) return true;
  const LinePiece& piece = client_lines_.piece();
  if (piece.bare_cr) line_flags_ |= flag_bit(SessionFlag::BareCr);
  if (piece.bare_lf) line_flags_ |= flag_bit(SessionFlag::BareLf);
  if (!piece.last) {
    long_line_ = true;   // RES-5: the rest of the line is read and dropped, never taken as a new command
    return true;
  }
  const bool too_long = long_line_, bare = line_flags_ != 0;
  flags_ |= line_flags_;
  long_line_ = false;
  line_flags_ = 0;
  on_command_line(piece.text, bare, too_long);
  return true;
}

void SmtpRelay::on_command_line(std::string_view line, bool bare, bool too_long) {
  if ((too_long || bare) && sasl_line_next_) {
    // RES-12: a SASL response we cannot forward (over max-command-line, or with a bare CR/LF). The backend is
    // waiting for one: cancel its exchange with "*" (RFC 4954 4), so the client hears its 501 and the next line
    // is a command again, never taken as credentials.
    sasl_line_next_ = false;
    if (too_long) flags_ |= flag_bit(SessionFlag::LongCommand);
    to_server_.append("*\r\n");
    push(Expect::ClientReply, Verb::Auth);   // the backend's 501 counts towards max-errors, as a failed AUTH
    gated_ = true;
    return;
  }
  if (too_long) {
    flags_ |= flag_bit(SessionFlag::LongCommand);
    refuse(500, kLineTooLong, true);
    return;
  }
  if (bare) {   // SM-17: one malformed line, never two commands, never forwarded
    refuse(500, kBareNewline, true);
    return;
  }
  if (sasl_line_next_) {   // a SASL response (RFC 4954): a line of base64 or "*", forwarded as it is
    sasl_line_next_ = false;
    to_server_.append(line);
    to_server_.append("\r\n");
    push(Expect::ClientReply, Verb::Auth);
    gated_ = true;
    return;
  }
  const Command command = commands_.parse(line);
  if (command.verb != Verb::Bdat && message_open_) {
    // A BDAT transaction with content ends by any other command (RSET, QUIT, EHLO, MAIL...): the message is
    // abandoned. A backend fed with DATA cannot be told (RSET would be content): close instead.
    const bool backend_in_data = !held_message_ && !backend_caps_.chunking;
    abandon_message();
    if (backend_in_data) {
      close_with(421, "4.3.0 Error: transaction aborted, closing");
      return;
    }
  }
  switch (command.verb) {
    case Verb::Unknown: {
      flags_ |= flag_bit(SessionFlag::UnknownCommand);
      const std::string_view word = first_word(line);
      if (equals_ignore_case(word, "XCLIENT") || equals_ignore_case(word, "XFORWARD")) {
        refuse(550, kNoAuthorization, true);   // SM-20: only the appliance speaks for the client's address
      } else if (equals_ignore_case(word, "STARTTLS")) {
        refuse(501, "5.5.4 Syntax: STARTTLS", true);   // RFC 3207 gives it no parameter (ST-10)
      } else if (equals_ignore_case(word, "BDAT")) {
        close_with(521, kBdatSyntax);          // RES-10: the count is unknown, the stream cannot be resynchronised
      } else if (known_verb_word(word)) {
        refuse(501, "5.5.4 Syntax error in parameters or arguments", true);
      } else {
        refuse(502, kNotRecognized, true);
      }
      return;
    }
    case Verb::Starttls:
      on_starttls(line);
      return;
    case Verb::Helo:
    case Verb::Ehlo:
      need_helo_ = false;
      envelope_.helo.assign(command.argument);
      envelope_.esmtp = command.verb == Verb::Ehlo;
      scratch_.assign(command.verb == Verb::Ehlo ? "EHLO " : "HELO ");
      scratch_.append(command.argument);
      forward_command(command, scratch_);
      count_junk();
      return;
    case Verb::Mail:
      on_mail(command, line);
      return;
    case Verb::Rcpt:
      on_rcpt(command, line);
      return;
    case Verb::Data:
      if (bdat_transaction_) {
        refuse(503, "5.5.1 Error: DATA after BDAT", true);
        return;
      }
      push(Expect::DataGate, Verb::Data);
      gated_ = true;   // the next bytes are content or commands: that depends on the answer
      return;
    case Verb::Bdat:
      on_bdat(command);
      return;
    case Verb::Rset:
      reset_transaction();
      forward_command(command, "RSET");
      count_junk();
      return;
    case Verb::Quit:
      forward_command(command, "QUIT");
      mode_ = ClientMode::Closing;   // the backend answers 221 and closes; nothing after QUIT is read
      return;
    case Verb::Noop:
      forward_command(command, "NOOP");
      count_junk();
      return;
    case Verb::Auth:
      if (tls_.require_tls && !client_tls_) {   // RFC 4954 §4: no credentials in the clear where TLS is required
        refuse(538, "5.7.11 Encryption required for requested authentication mechanism", true);
        return;
      }
      forward_command(command, line);
      gated_ = true;   // a 334 makes the next line a SASL response, not a command
      return;
    case Verb::Vrfy:
    case Verb::Expn:
    case Verb::Help:
      forward_command(command, line);
      count_junk();
      return;
    default:
      refuse(502, kNotRecognized, true);
      return;
  }
}

void SmtpRelay::forward_command(const Command& command, std::string_view serialised) {
  to_server_.append(serialised);
  to_server_.append("\r\n");
  Pending& p = push(Expect::ClientReply, command.verb);
  if (command.verb == Verb::Rcpt) p.text.assign(command.argument);
}

// "MAIL FROM:<path> params" / "RCPT TO:<path> params", rebuilt from the parsed command.
std::string_view SmtpRelay::serialise_path_command(std::string_view keyword, const Command& command) {
  scratch_.assign(keyword);
  scratch_.append(command.argument);
  scratch_.push_back('>');
  for (std::string_view param : command.params) {
    scratch_.push_back(' ');
    scratch_.append(param);
  }
  return scratch_;
}

void SmtpRelay::on_mail(const Command& command, std::string_view) {
  if (tls_.require_tls && !client_tls_) {
    refuse(530, "5.7.0 Must issue a STARTTLS command first", true);
    return;
  }
  if (need_helo_) {   // RFC 3207 §4.2: after TLS the client starts again with EHLO
    refuse(503, "5.5.1 Error: send HELO/EHLO first", true);
    return;
  }
  for (std::string_view param : command.params) {
    if (param.size() < 5 || !equals_ignore_case(param.substr(0, 5), "SIZE=")) continue;
    const std::string_view digits = param.substr(5);
    uint64_t announced = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), announced);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
      refuse(501, "5.5.4 Bad message size syntax", true);
      return;
    }
    if (config_.size_limit != 0 && announced > config_.size_limit) {
      refuse(552, "5.3.4 Message size exceeds fixed limit");
      return;
    }
  }
  envelope_.mail_from.assign(command.argument);
  envelope_.mail_params.assign(command.params.begin(), command.params.end());
  const LocalReply verdict = hooks_.on_mail(envelope_);
  if (verdict.refuses()) {
    envelope_.mail_from.clear();
    envelope_.mail_params.clear();
    refuse(verdict.code, verdict.text);
    return;
  }
  mail_forwarded_ = true;
  forward_command(command, serialise_path_command("MAIL FROM:<", command));
}

void SmtpRelay::on_rcpt(const Command& command, std::string_view) {
  if (!mail_ok_ && !mail_forwarded_) {
    refuse(503, kNeedMail, true);
    return;
  }
  if (rcpt_commands_ >= config_.limits.max_recipients) {
    flags_ |= flag_bit(SessionFlag::TooManyRecipients);
    refuse(452, kTooManyRecipients);
    // Postfix's smtpd_recipient_overshoot_limit: a list split in 452-sized pieces is normal, a client that goes
    // on regardless is not.
    if (++rcpt_overshoot_ > config_.max_recipient_overshoot) count_error();
    return;
  }
  const LocalReply verdict = hooks_.on_rcpt(envelope_, command.argument);
  if (verdict.refuses()) {
    envelope_.rcpt_rejected.emplace_back(command.argument);
    refuse(verdict.code, verdict.text);
    return;
  }
  ++rcpt_commands_;
  forward_command(command, serialise_path_command("RCPT TO:<", command));
}

void SmtpRelay::on_bdat(const Command& command) {
  flags_ |= flag_bit(SessionFlag::Bdat);
  if (!config_.ehlo.chunking) {   // SM-16: the next input is raw content the relay cannot frame
    close_with(521, kNotImplemented);
    return;
  }
  if (command.bdat_size == 0 && !command.bdat_last) {
    refuse(551, "5.7.1 Null BDAT request", true);
    return;
  }
  bdat_chunk_size_ = command.bdat_size;
  if (!bdat_transaction_) {   // whether the chunk is content or skipped depends on MAIL/RCPT replies still due
    Pending& p = push(Expect::BdatGate, Verb::Bdat);
    p.bdat_size = command.bdat_size;
    p.bdat_last = command.bdat_last;
    gated_ = true;
    return;
  }
  bdat_.start(command.bdat_size, command.bdat_last);
  mode_ = ClientMode::BdatChunk;
  if (command.bdat_size == 0) {   // BDAT 0 LAST
    mode_ = ClientMode::Commands;
    end_message();
  }
}

}  // namespace sluice::smtp
