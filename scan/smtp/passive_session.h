// scan/smtp/passive_session.h — one SMTP connection seen from the side: the
// two reassembled byte streams in, SMTP events out. The public entry point of
// scan/smtp/ for the pipeline and the fuzz target.
// Owns: the per-connection parser state (all bounded by SmtpLimits).
// Calls: LineAssembler, CommandParser, ReplyParser, DataDecoder, BdatReader,
// PendingReplies, and the SessionSink it was given. No global state.
//
// Policies (scan/smtp/README.md has the full list):
// - Commands are matched to replies in order (PIPELINING).
// - Client bytes after DATA or STARTTLS are held (max_held_bytes) until the
//   server's reply says whether they are body/TLS or commands (SM-18).
// - A final server reply while the body still runs ends the message: Desync.
// - After 220 to STARTTLS nothing more is parsed; held plaintext raises
//   StarttlsInjection (CVE-2011-0411).
// - A gap inside a message marks it Truncated; in command mode parsing
//   resumes at the next line. on_close() inside a body: Truncated, no reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/smtp/bdat_reader.h"
#include "scan/smtp/command_parser.h"
#include "scan/smtp/data_decoder.h"
#include "scan/smtp/line_assembler.h"
#include "scan/smtp/pending_replies.h"
#include "scan/smtp/reply_parser.h"
#include "scan/smtp/session_sink.h"
#include "scan/smtp/smtp_limits.h"

namespace sluice::smtp {

class PassiveSession {
 public:
  PassiveSession(const SmtpLimits& limits, SessionSink& sink);

  void on_client_bytes(std::string_view bytes);
  void on_server_bytes(std::string_view bytes);
  void on_client_gap(uint32_t bytes);
  void on_server_gap(uint32_t bytes);
  void on_close();

  uint32_t flags() const { return flags_; }
  bool encrypted() const { return encrypted_; }
  uint32_t messages() const { return messages_; }
  // True once a 220 greeting and a HELO/EHLO were seen: recognises SMTP by
  // its dialogue on any port.
  bool looks_like_smtp() const { return greeting_220_ && helo_seen_; }

 private:
  enum class ClientMode : uint8_t {
    Commands,  // lines are commands
    Held,      // after DATA/STARTTLS, until its reply
    Body,      // DATA content, through DataDecoder
    Chunk,     // BDAT chunk bytes
    Ignored,   // encrypted or closed
  };
  enum class MessageState : uint8_t { None, Receiving, AwaitingReply };

  // Client side (passive_session.cc).
  void process_client(std::string_view bytes);
  void on_command_line(const LinePiece& piece);
  void on_command(const Command& command);
  void start_chunk(const Command& command);
  void hold(std::string_view bytes);
  void release_held();
  void client_gap(uint64_t bytes);
  void feed_body(std::string_view& bytes);
  void feed_chunk(std::string_view& bytes);
  void body_finished();
  void chunk_finished();
  PendingCommand* expect_reply(Awaiting what);

  // Server side (passive_session_replies.cc).
  void on_reply();
  void on_greeting_reply();
  void on_helo_reply(const PendingCommand& pending, int code);
  void on_mail_reply(const PendingCommand& pending, int code);
  void on_rcpt_reply(const PendingCommand& pending, int code);
  void on_data_reply(int code);
  void on_starttls_reply(int code);
  void on_final_reply_during_body(int code);
  void on_message_reply(const PendingCommand& pending, int code);

  // Messages (passive_session_messages.cc).
  void begin_message(bool bdat);
  void deliver(std::string_view content);
  void end_message(bool complete, int reply_code, uint32_t extra_flags);
  void reset_transaction();
  void raise(uint32_t flag_bits);

  SmtpLimits limits_;
  SessionSink& sink_;
  LineAssembler client_lines_;
  LineAssembler server_lines_;
  CommandParser commands_;
  ReplyParser replies_;
  DataDecoder decoder_;
  BdatReader bdat_;
  PendingReplies pending_;

  ClientMode client_mode_ = ClientMode::Commands;
  Awaiting held_for_ = Awaiting::Data;  // which reply releases the held bytes
  std::string held_;                    // client bytes awaiting that reply
  std::string replay_;                  // held_ while it is being re-read
  uint64_t held_lost_ = 0;              // bytes beyond max_held_bytes, or gaps
  std::string content_;                 // decoded body bytes for the sink, reused

  Envelope envelope_;
  MessageEnd message_;
  MessageState message_state_ = MessageState::None;
  uint32_t message_seq_ = 0;            // numbers messages to match their replies
  bool message_gap_ = false;            // bytes of the current body were lost
  uint32_t rcpt_commands_ = 0;          // RCPT commands in this transaction
  std::vector<std::string> capabilities_;

  uint32_t flags_ = 0;                  // union over the session
  uint32_t transaction_flags_ = 0;      // since the last MAIL command
  uint32_t messages_ = 0;
  bool greeting_seen_ = false;
  bool greeting_220_ = false;
  bool helo_seen_ = false;
  bool auth_in_progress_ = false;       // the server asked for a SASL line (334)
  bool encrypted_ = false;
  bool closed_ = false;
};

}  // namespace sluice::smtp
