// dataplane/flow_trace.cc — see flow_trace.h.
#include "dataplane/flow_trace.h"

#include <cstdio>
#include <string>

namespace sluice::dataplane {

void FlowTrace::refresh() {
  if (control_ == nullptr) return;
  const uint64_t generation = control_->trace_generation.load(std::memory_order_acquire);
  if (generation != generation_) {
    generation_ = generation;
    filter_ = control_->trace_filter;   // written before the generation was published
  }
  active_ = control_->trace_budget.load(std::memory_order_relaxed) > 0;
}

bool FlowTrace::packet_matches(const IpAddr& src, uint16_t src_port, const IpAddr& dst, uint16_t dst_port) const {
  if (!active_) return false;
  const FlowFilter& f = filter_;
  if (f.src && !(*f.src == src) && !(*f.src == dst)) return false;
  if (f.dst && !(*f.dst == src) && !(*f.dst == dst)) return false;
  if (f.port != 0 && f.port != src_port && f.port != dst_port) return false;
  return true;
}

void FlowTrace::line(uint64_t now_ns, uint64_t flow_id, const char* format, ...) {
  if (!active_) return;
  // Take one line of the budget first; the control thread may set it to 0 at any time to stop.
  uint32_t budget = control_->trace_budget.load(std::memory_order_relaxed);
  while (budget > 0 && !control_->trace_budget.compare_exchange_weak(budget, budget - 1, std::memory_order_relaxed)) {
  }
  if (budget == 0) {
    active_ = false;
    return;
  }
  char text[TraceRing::kLineBytes];
  int n = std::snprintf(text, sizeof text, "%llu.%06llu flow=%llu ",
                        static_cast<unsigned long long>(now_ns / 1000000000ull),
                        static_cast<unsigned long long>(now_ns / 1000ull % 1000000ull),
                        static_cast<unsigned long long>(flow_id));
  if (n < 0) return;
  va_list args;
  va_start(args, format);
  const int m = std::vsnprintf(text + n, sizeof text - static_cast<size_t>(n), format, args);
  va_end(args);
  if (m < 0) return;
  const size_t length = std::min(sizeof text - 1, static_cast<size_t>(n) + static_cast<size_t>(m));
  control_->trace.push(std::string_view(text, length));   // a full ring counts the line as dropped
}

namespace {

std::string describe(const smtp::LocalReply& r) {
  return r.refuses() ? "refused " + std::to_string(r.code) + " " + r.text : std::string("forwarded to the backend");
}

}  // namespace

smtp::LocalReply TracedHooks::on_mail(const smtp::Envelope& e) {
  smtp::LocalReply r = inner_.on_mail(e);
  if (FlowTrace* t = trace()) t->line(now_ns(), flow_id_, "smtp MAIL FROM:<%s>: %s", e.mail_from.c_str(), describe(r).c_str());
  return r;
}

smtp::LocalReply TracedHooks::on_rcpt(const smtp::Envelope& e, std::string_view recipient) {
  smtp::LocalReply r = inner_.on_rcpt(e, recipient);
  if (FlowTrace* t = trace()) {
    t->line(now_ns(), flow_id_, "smtp RCPT TO:<%.*s>: %s", static_cast<int>(recipient.size()), recipient.data(),
            describe(r).c_str());
  }
  return r;
}

smtp::MessageDecision TracedHooks::on_message_end(const smtp::MessageEnd& end, std::string_view held) {
  smtp::MessageDecision d = inner_.on_message_end(end, held);
  if (FlowTrace* t = trace()) {
    if (d.kind == smtp::MessageDecision::Kind::Refuse) {
      t->line(now_ns(), flow_id_, "smtp end of data (%llu bytes): verdict refuse, client gets %d %s",
              static_cast<unsigned long long>(end.size), d.refusal.code, d.refusal.text.c_str());
    } else {
      t->line(now_ns(), flow_id_, "smtp end of data (%llu bytes): verdict deliver%s",
              static_cast<unsigned long long>(end.size), d.added_headers.empty() ? "" : " with tag headers");
    }
  }
  return d;
}

void TracedHooks::on_message_done(const smtp::MessageOutcome& o) {
  inner_.on_message_done(o);
  if (FlowTrace* t = trace()) {
    t->line(now_ns(), flow_id_, "smtp message done: client got %d %s; backend said %d", o.client_code,
            o.client_text.c_str(), o.backend_code);
  }
}

}  // namespace sluice::dataplane
