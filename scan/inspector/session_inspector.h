// scan/inspector/session_inspector.h — one SMTP session (one TCP connection) under inspection.
//
// Owns: the passive SMTP parser for both byte streams and the MessageInspector of the message in flight;
// hands one MessageRecord per message (and one per session that went encrypted) to a RecordSink.
// Calls: smtp (PassiveSession), MessageInspector. The dataplane feeds it reassembled bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/inspector/message_inspector.h"
#include "scan/smtp/passive_session.h"

namespace sluice::scan {

namespace envelope {
class Greylist;
}

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void on_message_record(const MessageRecord&) = 0;
  virtual void on_tls_failure(const TlsFailureRecord&) {}
};

// What the inspector needs from the worker core it runs on.
struct InspectorContext {
  const PolicySnapshot* snapshot = nullptr;
  engine::Scratch* scratch = nullptr;
  RecordSink* records = nullptr;
  const uint64_t* now_ns = nullptr;   // the worker's clock: capture time offline, TSC-derived live
  envelope::Greylist* greylist = nullptr;   // the worker's greylist table (live relay only)
  uint64_t tsc_hz = 0;                      // TSC frequency: verdict latency is measured in cycles (live relay only)
};

class SessionInspector final : private smtp::SessionSink {
 public:
  explicit SessionInspector(const InspectorContext&);
  ~SessionInspector() override;

  void start(const FlowTuple&);     // reuse for a new connection
  void client_bytes(std::string_view bytes) { session_->on_client_bytes(bytes); }
  void server_bytes(std::string_view bytes) { session_->on_server_bytes(bytes); }
  void client_gap(uint32_t bytes) { session_->on_client_gap(bytes); }
  void server_gap(uint32_t bytes) { session_->on_server_gap(bytes); }
  void close() { session_->on_close(); }
  uint32_t messages() const { return session_->messages(); }
  bool looks_like_smtp() const { return session_->looks_like_smtp(); }
  // A transport-level anomaly of this connection (overlap conflict, mid-stream pick-up, ...): it is added
  // to the flags of every record the session logs from now on.
  void note_transport_flag(std::string_view flag);

 private:
  void on_message_begin(const smtp::Envelope&) override;
  void on_message_data(std::string_view content) override;
  void on_message_end(const smtp::Envelope&, const smtp::MessageEnd&) override;
  void on_starttls() override;

  InspectorContext context_;
  std::optional<smtp::PassiveSession> session_;   // re-emplaced per connection (no allocation)
  MessageInspector inspector_;
  MessageRecord record_;
  FlowTuple flow_;
  uint32_t message_index_ = 0;
  bool message_open_ = false;
  std::vector<std::string> transport_flags_;
};

}  // namespace sluice::scan
