// dataplane/flow_trace.h — `diagnose debug flow trace`: the worker's side of a flow debug.
//
// Owns: the worker's copy of the trace filter, the line budget, formatting of packet and session lines, and
// TracedHooks, which sits between a session's SMTP relay and its inspector and reports each envelope step and
// verdict of a traced session. A session is traced when its flow matched the filter at open; packets are
// traced when either address and either port match. Lines go to WorkerControl::trace (never waited for);
// the budget bounds the volume, so a busy appliance can be traced without slowing down.
// May call: dataplane/worker_control.h, scan/smtp/relay_hooks.h.
#pragma once

#include <cstdarg>
#include <cstdint>

#include "dataplane/ip_address.h"
#include "dataplane/worker_control.h"
#include "scan/smtp/relay_hooks.h"

namespace sluice::dataplane {

class FlowTrace {
 public:
  void bind(WorkerControl* control) { control_ = control; }
  // Once per poll iteration: takes a new filter, and whether any lines are still wanted.
  void refresh();
  bool active() const { return active_; }
  bool packet_matches(const IpAddr& src, uint16_t src_port, const IpAddr& dst, uint16_t dst_port) const;
  const FlowFilter& filter() const { return filter_; }
  // One line (printf-style), prefixed with the worker clock and the flow id (0: no session yet).
  void line(uint64_t now_ns, uint64_t flow_id, const char* format, ...) __attribute__((format(printf, 4, 5)));

 private:
  WorkerControl* control_ = nullptr;
  FlowFilter filter_;
  uint64_t generation_ = 0;
  bool active_ = false;
};

// The relay's hooks with the trace in front: forwards every call to the inspector unchanged.
class TracedHooks final : public smtp::RelayHooks {
 public:
  explicit TracedHooks(smtp::RelayHooks& inner) : inner_(inner) {}
  // For the session that starts now: where to trace (nullptr: not traced).
  void start(FlowTrace* trace, uint64_t flow_id, const uint64_t* now_ns) {
    trace_ = trace;
    flow_id_ = flow_id;
    now_ns_ = now_ns;
  }
  FlowTrace* trace() const { return trace_ != nullptr && trace_->active() ? trace_ : nullptr; }
  uint64_t flow_id() const { return flow_id_; }
  uint64_t now_ns() const { return *now_ns_; }

  smtp::LocalReply on_mail(const smtp::Envelope&) override;
  smtp::LocalReply on_rcpt(const smtp::Envelope&, std::string_view recipient) override;
  void on_message_begin(const smtp::Envelope& e) override { inner_.on_message_begin(e); }
  void on_message_content(std::string_view canonical) override { inner_.on_message_content(canonical); }
  smtp::MessageDecision on_message_end(const smtp::MessageEnd&, std::string_view held) override;
  void on_message_done(const smtp::MessageOutcome&) override;

 private:
  smtp::RelayHooks& inner_;
  FlowTrace* trace_ = nullptr;
  uint64_t flow_id_ = 0;
  const uint64_t* now_ns_ = nullptr;
};

}  // namespace sluice::dataplane
