// scan/smtp/smtp_relay.h — the live SMTP relay: one client connection in, one backend connection out.
//
// Owns: the SMTP state of both directions of one proxied session — client commands parsed, checked and
// re-serialised towards the backend; backend replies parsed and re-serialised towards the client (EHLO
// capabilities mediated); message content decoded, canonicalised, streamed to the scanner and to the backend;
// the final end of data held until the hooks' verdict. Sluice is the single parser of record: the backend never
// receives a client byte the relay has not read as a command or as content (THREATS.md §2, §5).
// Calls: the line/command/reply/DATA readers of scan/smtp, BodyCanonicalizer, EhloMediator, RelayHooks.
// No I/O: the owner feeds received bytes in and moves to_client()/to_server() out to TCP. Memory is fixed when
// the relay is built (outputs, hold buffer, pending-reply ring); a full output makes the relay stop reading.
//
// Interface in one minute:
//   on_server_bytes() / on_client_bytes()  return how many bytes were used; the rest stays in TCP and is
//                                           offered again later (after outputs drained or a reply arrived).
//   to_client() / to_server()              what to send; the owner calls consumed(n) on them.
//   wants_close()                          send what is queued to the client, then close both legs.
//   on_client_closed() / on_server_closed() the peer went away: a message in progress is abandoned, logged.
//   set_tls() / tls_step()                  STARTTLS and SMTPS (README "TLS"): the relay decides when a leg turns
//                                           to TLS; the owner does it and reports back (tls_step_done(),
//                                           on_backend_tls()).
// See scan/smtp/README.md ("The relay") for every reply it gives itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/smtp/bdat_reader.h"
#include "scan/smtp/body_canonicalizer.h"
#include "scan/smtp/command_parser.h"
#include "scan/smtp/data_decoder.h"
#include "scan/smtp/ehlo_mediation.h"
#include "scan/smtp/line_assembler.h"
#include "scan/smtp/relay_hooks.h"
#include "scan/smtp/relay_output.h"
#include "scan/smtp/reply_parser.h"
#include "scan/smtp/smtp_limits.h"

namespace sluice::smtp {

struct RelayConfig {
  SmtpLimits limits;              // command/reply/DATA line lengths, recipients, pipelined commands, reply text
  EhloPolicy ehlo;                // SIZE offered, CHUNKING offered
  uint64_t size_limit = 0;        // MAIL SIZE= and content above it are refused with 552 (0 = no limit here)
  uint32_t hold_limit = 256 * 1024;  // content held before the backend sees any (see README: hold, then stream)
  uint32_t max_errors = 20;       // malformed/unknown/refused-syntax commands before 421 and close
  // RES-11 (Postfix smtpd_junk_command_limit): NOOP, RSET, VRFY, EXPN, HELP, HELO, EHLO are forwarded, but beyond
  // this many in a session each one counts towards max_errors; the count restarts when a message is delivered.
  uint32_t max_junk_commands = 100;
  // RES-8 (Postfix smtpd_recipient_overshoot_limit): RCPTs refused for max_recipients (452) in one transaction
  // that cost nothing; each one after counts towards max_errors.
  uint32_t max_recipient_overshoot = 1000;
  uint32_t output_capacity = 64 * 1024;  // bytes queued per direction (the backend side adds hold_limit)
};

// What the session's TLS profile lets the relay do (set per session, after reset()).
enum class BackendStarttls : uint8_t {
  Never,          // the backend leg stays plaintext (RSET is sent so no transaction survives the client's STARTTLS)
  Required,       // STARTTLS to the backend or 421 4.7.0 to the client (fail closed)
  Opportunistic,  // STARTTLS to the backend if it offers it and says 220, else plaintext (flag backend_plaintext)
};
struct RelayTls {
  bool offer_starttls = false;   // STARTTLS is offered and honoured (a terminating profile on a STARTTLS port)
  bool splice = false;           // certificate inspection: STARTTLS goes to the backend; after its 220, Splice
  bool client_tls = false;       // the client leg is TLS from the first byte (SMTPS)
  bool require_tls = false;      // before TLS: MAIL 530 5.7.0, AUTH 538 5.7.11, AUTH not offered
  BackendStarttls backend = BackendStarttls::Never;   // what the client's STARTTLS does to the backend leg
  bool backend_prelude = false;  // SMTPS client, STARTTLS backend: EHLO + STARTTLS with the backend before its
                                 // banner goes to the client
};
// What the owner must do to a leg now. The relay stops reading the leg concerned until it is done.
enum class TlsStep : uint8_t {
  None,
  StartBackendTls,  // the backend said 220 to STARTTLS: its next bytes are TLS; report with on_backend_tls()
  StartClientTls,   // 220 went into to_client(): once it is sent, drop unread client bytes (injected, CVE-2011-0411),
                    // start the client's handshake, then tls_step_done()
  Splice,           // certificate inspection: send to_client(), then move bytes unchanged both ways
};

class SmtpRelay {
 public:
  SmtpRelay(const RelayConfig&, RelayHooks&);

  // Back to the state of a fresh connection (pooled sessions); keeps every buffer's capacity.
  void reset();

  // Room the relay keeps in to_client for a reply it decides itself.
  static constexpr size_t kSlackForGate = 512;
  // Commands are read only while to_client has this much room (the reply to each must fit).
  static constexpr size_t kSlackForOneReply = 1024;
  // Streamed BDAT chunks to the backend are at least this large (fewer commands and replies than one per segment).
  static constexpr size_t kStreamChunk = 64 * 1024;

  size_t on_client_bytes(std::string_view bytes);
  size_t on_server_bytes(std::string_view bytes);
  void on_client_closed();
  void on_server_closed();

  RelayOutput& to_client() { return to_client_; }
  RelayOutput& to_server() { return to_server_; }
  const RelayOutput& to_client() const { return to_client_; }
  const RelayOutput& to_server() const { return to_server_; }
  bool wants_close() const { return close_after_output_; }
  // The relay stopped reading the client until a reply arrives (DATA, AUTH, the first BDAT, the greeting).
  bool waiting_for_backend() const { return gated_; }
  // A command is in progress, and the owner bounds how long it may take (command-timeout): a line has begun and
  // not ended (RES-3), or replies wait unread because the client does not take them (RES-4: a pipelined flood
  // from a client that never reads; Postfix's smtpd_timeout bounds its reply writes the same way). Without the
  // second, each zero-window probe byte the client accepts would count as activity and no time-out would end the
  // session.
  bool mid_command() const {
    return (mode_ == ClientMode::Commands && client_lines_.mid_line()) || replies_backed_up();
  }
  // Message content is being received (DATA body, or a BDAT transaction).
  bool in_message() const { return message_open_; }
  // The owner's deadline passed: 421 4.4.2 goes out at once (RFC 5321 allows it at any time), a message in
  // progress is abandoned, and both legs close after it.
  void time_out();
  uint32_t flags() const { return flags_; }
  uint32_t messages() const { return messages_; }

  // TLS (see RelayTls / TlsStep).
  void set_tls(const RelayTls& tls);
  TlsStep tls_step() const { return tls_step_; }
  // The owner did what tls_step() asked (StartClientTls: the client leg is TLS now; StartBackendTls: the
  // backend's handshake has begun).
  void tls_step_done();
  // The backend's handshake ended: ok, or the reason it failed (the client then gets 421 4.7.0 and both close).
  void on_backend_tls(bool ok, std::string_view why);
  bool client_tls_active() const { return client_tls_; }
  bool backend_tls_active() const { return backend_tls_; }

 private:
  // What one entry of the reply ring waits for, in the client's command order.
  enum class Expect : uint8_t {
    ClientReply,   // a forwarded client command: the backend's reply is relayed
    Local,         // a reply the relay gives itself, sent when every earlier reply has gone out
    DataGate,      // DATA: 354 or a refusal, decided when every earlier reply is known
    BdatGate,      // the first BDAT of a transaction: accepted or skipped, decided likewise
    Silent,        // a backend reply no client command waits for (BDAT chunk, RSET after a refused message)
    BackendData,   // the backend's 354 to the relay's own DATA
    MessageReply,  // the backend's reply to the end of a message: the client's end-of-data reply
    Sent,          // a Local reply already sent past Silent entries: dropped when it reaches the head
    StarttlsGate,  // the client's STARTTLS: decided when every earlier reply has gone out
    BackendStarttls,  // the backend's reply to the relay's own STARTTLS
    PreludeEhlo,   // the backend's reply to the relay's own EHLO (SMTPS client, STARTTLS backend)
  };
  struct Pending {
    Expect expect = Expect::Local;
    Verb verb = Verb::Unknown;
    int code = 0;               // Local: the reply code
    std::string text;           // Local: reply text; RCPT: the recipient
    uint64_t bdat_size = 0;     // BdatGate
    bool bdat_last = false;
    bool close_after = false;   // Local: close both legs once this reply has gone out
  };
  enum class ClientMode : uint8_t { Commands, DataBody, BdatChunk, BdatSkip, AwaitingTls, Closing };
  enum class Backend : uint8_t { Idle, Streaming, AwaitingGo };   // the backend side of the message in flight

  // Replies wait in to_client after the owner moved what TCP would take: the client is not reading them.
  bool replies_backed_up() const { return mode_ == ClientMode::Commands && !to_client_.empty(); }
  // commands (smtp_relay.cc)
  bool client_step(std::string_view in, size_t& used);
  void on_command_line(std::string_view line, bool bare, bool too_long);
  void forward_command(const Command&, std::string_view line);
  std::string_view serialise_path_command(std::string_view keyword, const Command&);
  void on_mail(const Command&, std::string_view line);
  void on_rcpt(const Command&, std::string_view line);
  void on_bdat(const Command&);
  // TLS (smtp_relay_tls.cc)
  void on_starttls(std::string_view line);
  void resolve_starttls_gate();
  void on_backend_starttls_reply(int code);
  void on_prelude_ehlo_reply();
  void grant_client_tls(bool reset_backend);
  void tls_unavailable(std::string_view why);
  void refuse(int code, std::string_view text, bool counts_as_error = false);
  // One more error towards max-errors (the relay's refusals, and failed AUTHs: RES-12); at the limit, 421 and close.
  void count_error();
  // RES-11: one more NOOP/RSET/VRFY/EXPN/HELP/HELO/EHLO; beyond max_junk_commands it is also an error.
  void count_junk();
  void close_with(int code, std::string_view text);
  // replies (smtp_relay_replies.cc)
  void on_backend_reply();
  void relay_reply(const ReplyParser&, Verb verb);
  void advance();
  void send_past_silent();
  bool resolve_data_gate();
  bool resolve_bdat_gate(uint64_t size, bool last);
  void append_reply(int code, std::string_view text);
  void append_code(int code, bool last_line);
  Pending& push(Expect, Verb = Verb::Unknown);
  Pending& head() { return ring_[ring_head_]; }
  void pop();
  bool ring_full() const { return ring_count_ == ring_capacity_; }
  void grow_ring();
  void reset_transaction();
  void clear_message_state();
  // message content (smtp_relay_body.cc)
  void begin_message();
  void take_content(std::string_view raw);
  void deliver_canonical(std::string_view canonical);
  void start_streaming();
  void stream(std::string_view canonical);
  void end_message();
  void abandon_message();
  bool body_room() const;
  void flush_staged(bool last);
  void send_held_as_data();

  RelayConfig config_;
  RelayHooks& hooks_;
  RelayOutput to_client_, to_server_;
  LineAssembler client_lines_, server_lines_;
  CommandParser commands_;
  ReplyParser replies_;
  DataDecoder data_;
  BdatReader bdat_;
  BodyCanonicalizer canonical_;
  DotStuffer stuffer_;
  EhloMediator ehlo_;
  BackendCapabilities backend_caps_;

  static constexpr size_t kInitialRing = 8;
  size_t ring_capacity_;           // max_pipelined_commands + 8: the ring never holds more
  std::vector<Pending> ring_;      // grown by doubling from kInitialRing (grow_ring)
  size_t ring_head_ = 0, ring_count_ = 0;

  Envelope envelope_;
  ClientMode mode_ = ClientMode::Commands;
  Backend backend_ = Backend::Idle;
  bool greeted_ = false;           // the backend's greeting went to the client
  bool gated_ = true;              // client input waits (greeting, DATA/BDAT decision, AUTH exchange, backend 354)
  bool close_after_output_ = false;
  bool mail_ok_ = false;           // the backend accepted MAIL
  bool mail_forwarded_ = false;    // a MAIL is on its way (reply unknown)
  bool bdat_transaction_ = false;  // this transaction uses BDAT
  bool message_open_ = false;      // content began (354 or first chunk) and has not ended
  bool final_after_go_ = false;    // AwaitingGo: the end of data is already known (send the rest, then ".")
  bool sasl_line_next_ = false;    // the backend answered AUTH with 334: the next client line is a SASL response
  RelayTls tls_;
  TlsStep tls_step_ = TlsStep::None;
  bool client_tls_ = false;        // the client leg is TLS
  bool backend_tls_ = false;       // the backend leg is TLS
  bool server_tls_wait_ = false;   // the backend's 220 to STARTTLS arrived: its next bytes are TLS, not replies
  bool need_helo_ = false;         // STARTTLS reset the session (RFC 3207): MAIL waits for a new EHLO/HELO
  bool authenticated_ = false;     // the backend accepted AUTH (a plaintext backend leg cannot forget it)
  std::string prelude_banner_;     // SMTPS + STARTTLS backend: the banner, sent once the backend leg is TLS
  bool held_message_ = true;       // the backend has seen none of this message's content
  bool backend_failed_ = false;    // the backend refused part of a streamed message
  int backend_fail_code_ = 0;
  std::string backend_fail_text_;
  size_t client_backlog_ = 0;      // client bytes offered but not used by the last on_client_bytes()
  uint32_t rcpt_commands_ = 0;
  uint32_t rcpt_overshoot_ = 0;    // RCPTs of this transaction refused for max_recipients
  uint32_t errors_ = 0;
  uint32_t junk_commands_ = 0;     // since the session began or the last delivered message
  uint32_t flags_ = 0;
  uint32_t messages_ = 0;
  uint64_t content_size_ = 0;
  uint64_t bdat_chunk_size_ = 0;
  bool long_line_ = false;         // the command line being read is over max_command_line
  uint32_t line_flags_ = 0;        // BareCr/BareLf bits of the command line being read
  bool outcome_pending_ = false;   // a MessageReply is outstanding: on_message_done() is still owed
  std::string held_;               // content of a message not yet sent (capacity hold_limit + one chunk)
  std::string decoded_;            // DataDecoder output, one feed at a time
  std::string canonical_buf_;      // canonical form of decoded_
  std::string scratch_;            // reply/command being built
  std::string added_headers_;
  MessageOutcome outcome_;
};

}  // namespace sluice::smtp
