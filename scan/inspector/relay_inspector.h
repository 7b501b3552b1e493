// scan/inspector/relay_inspector.h — policy, scanning and logging for one live SMTP session (the relay's hooks).
//
// Owns: the envelope checks of the session (sender/recipient lists, reputation, relay control, greylisting),
// the MessageInspector of the message in flight, the verdict → SMTP reply mapping, tag headers, the quarantine
// copy, and one MessageRecord per message (with the reply the client got and the verdict latency).
// Calls: envelope (EnvelopePolicy, Greylist), MessageInspector, RecordSink. The SMTP relay calls it
// (smtp::RelayHooks); the dataplane tells it when the input it is feeding arrived (for the wall-clock bound).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scan/envelope/client_address.h"
#include "scan/inspector/message_inspector.h"
#include "scan/inspector/session_inspector.h"
#include "scan/smtp/relay_hooks.h"

namespace sluice::scan {

class RelayInspector final : public smtp::RelayHooks {
 public:
  explicit RelayInspector(const InspectorContext&);

  void start(const FlowTuple&, const envelope::ClientAddress& client);
  // The policy the next session (from start() on) is judged by; the worker passes the snapshot that was
  // current when the session opened, and the session keeps it to its end.
  void use_snapshot(const PolicySnapshot* snapshot);
  const PolicySnapshot* snapshot() const { return context_.snapshot; }
  // The oldest client byte not yet handed to the relay was first seen at this TSC reading (0: none waiting).
  // The verdict latency of a message is measured from here to the decision.
  void note_input_since(uint64_t tsc) { input_since_tsc_ = tsc; }
  // A message is open and its end-of-data bound has passed: stop scanning, scan-timeout-action decides.
  void stop_scanning();
  bool message_open() const { return message_open_; }
  // The session's TLS as it stands: copied into every message record from the next message on.
  TlsRecord& tls() { return tls_; }
  // The session was spliced (certificate inspection, or no TLS profile on an SMTPS port): one record says its
  // content was not inspected.
  void log_not_inspected(std::string_view why);
  // A TLS handshake failed on one leg.
  void log_tls_failure(std::string_view leg, std::string_view reason, std::string_view offered_versions,
                       std::string_view offered_ciphers, std::string_view action);

  smtp::LocalReply on_mail(const smtp::Envelope&) override;
  smtp::LocalReply on_rcpt(const smtp::Envelope&, std::string_view recipient) override;
  void on_message_begin(const smtp::Envelope&) override;
  void on_message_content(std::string_view canonical) override;
  smtp::MessageDecision on_message_end(const smtp::MessageEnd&, std::string_view held) override;
  void on_message_done(const smtp::MessageOutcome&) override;

 private:
  void begin_record();
  void track_header_block(std::string_view canonical);
  void apply_relay_checks(const smtp::MessageEnd&);
  smtp::LocalReply refusal_for(control::Action) const;
  void add_tag_headers(std::string& out) const;
  // Stored, NotCopied (no directory, a streamed message, over max-size: by configuration), or Failed (the
  // directory could not take it: disk full, permissions). RES-15: a Failed copy tempfails the message.
  enum class CopyResult : uint8_t { Stored, NotCopied, Failed };
  CopyResult store_quarantine_copy(std::string_view held);
  uint64_t verdict_deadline_tsc() const;

  InspectorContext context_;
  std::optional<MessageInspector> inspector_;   // bound to context_.snapshot
  uint64_t bound_version_ = 0;                  // context_.snapshot's version when inspector_ was bound
  MessageRecord record_;
  FlowTuple flow_;
  envelope::ClientAddress client_;
  uint32_t message_index_ = 0;
  bool message_open_ = false;
  bool safelisted_ = false;        // this transaction skips anti-spam (sender or a recipient safelisted)
  bool header_done_ = false;       // the empty line ending the top-level header block was seen
  bool header_too_big_ = false;
  uint32_t header_line_bytes_ = 0; // bytes of the current header line (0 at a line start)
  uint64_t header_bytes_ = 0;
  uint64_t input_since_tsc_ = 0;
  TlsRecord tls_;
};

}  // namespace sluice::scan
