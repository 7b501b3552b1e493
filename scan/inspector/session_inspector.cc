#include "scan/inspector/session_inspector.h"

#include "scan/inspector/component_limits.h"

namespace sluice::scan {

SessionInspector::SessionInspector(const InspectorContext& context)
    : context_(context),
      inspector_(*context.snapshot, *context.scratch) {}

SessionInspector::~SessionInspector() = default;

void SessionInspector::start(const FlowTuple& flow) {
  session_.emplace(smtp_limits_from(context_.snapshot->policy.smtp), static_cast<smtp::SessionSink&>(*this));
  flow_ = flow;
  message_index_ = 0;
  message_open_ = false;
  transport_flags_.clear();
}

void SessionInspector::note_transport_flag(std::string_view flag) {
  for (const std::string& f : transport_flags_) {
    if (f == flag) return;
  }
  transport_flags_.emplace_back(flag);
  if (message_open_) record_.flags.emplace_back(flag);
}

void SessionInspector::on_message_begin(const smtp::Envelope& envelope) {
  record_ = MessageRecord{};
  record_.timestamp_ns = *context_.now_ns;
  record_.flow = flow_;
  record_.index_in_session = ++message_index_;
  record_.envelope = envelope;
  record_.flags = transport_flags_;
  inspector_.begin(&record_);
  message_open_ = true;
}

void SessionInspector::on_message_data(std::string_view content) {
  if (message_open_) inspector_.feed(content);
}

void SessionInspector::on_message_end(const smtp::Envelope& envelope, const smtp::MessageEnd& end) {
  if (!message_open_) return;
  record_.envelope = envelope;   // recipients' replies may have arrived after DATA began (pipelining)
  inspector_.finish(end);
  message_open_ = false;
  context_.records->on_message_record(record_);
}

// After STARTTLS nothing is readable: one record says so, with what was known before the handshake.
void SessionInspector::on_starttls() {
  MessageRecord r;
  r.timestamp_ns = *context_.now_ns;
  r.flow = flow_;
  r.index_in_session = ++message_index_;
  r.encrypted = true;
  r.flags = transport_flags_;
  r.flags.emplace_back("encrypted");
  if (session_->flags() & static_cast<uint32_t>(smtp::SessionFlag::StarttlsInjection)) {
    r.flags.emplace_back(smtp::session_flag_name(smtp::SessionFlag::StarttlsInjection));
  }
  context_.records->on_message_record(r);
}

}  // namespace sluice::scan
