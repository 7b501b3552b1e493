// scan/inspector/relay_inspector.cc — see relay_inspector.h.
#include "scan/inspector/relay_inspector.h"

#include <cinttypes>
#include <cstdio>

#include "scan/envelope/envelope_policy.h"
#include "scan/envelope/greylist.h"
#include "scan/smtp/smtp_limits.h"

namespace sluice::scan {

namespace {

smtp::LocalReply local_reply(const envelope::EnvelopeDecision& d) {
  smtp::LocalReply r;
  if (d.refuse) {
    r.code = d.code;
    r.text = d.reply;
  }
  return r;
}

// Reasons go into a reply line the remote MTA logs and may show a user: printable ASCII only, bounded.
void append_sanitised(std::string& out, std::string_view text, size_t limit) {
  for (char c : text.substr(0, limit)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
}

bool has_reason(const Verdict& v, std::string_view prefix) {
  for (const std::string& r : v.reasons) {
    if (r.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

constexpr size_t kReasonInReply = 160;

}  // namespace

RelayInspector::RelayInspector(const InspectorContext& context)
    : context_(context) {
  inspector_.emplace(*context.snapshot, *context.scratch);
  bound_version_ = context.snapshot->version;
}

void RelayInspector::use_snapshot(const PolicySnapshot* snapshot) {
  // By version, not by address: a freed snapshot's memory may hold the next one, whose database is elsewhere.
  if (snapshot == context_.snapshot && snapshot->version == bound_version_) return;
  bound_version_ = snapshot->version;
  // The message inspector's MIME limits and view scanners are bound to a snapshot: rebuilt once per pooled
  // session after a commit, never per message.
  context_.snapshot = snapshot;
  inspector_.emplace(*snapshot, *context_.scratch);
}

void RelayInspector::start(const FlowTuple& flow, const envelope::ClientAddress& client) {
  flow_ = flow;
  client_ = client;
  message_index_ = 0;
  message_open_ = false;
  safelisted_ = false;
  input_since_tsc_ = 0;
  tls_ = TlsRecord{};
}

smtp::LocalReply RelayInspector::on_mail(const smtp::Envelope& envelope) {
  safelisted_ = false;
  const envelope::EnvelopePolicy* policy = context_.snapshot->envelope.get();
  if (policy == nullptr) return {};
  return local_reply(policy->check_sender(client_, envelope.mail_from));
}

smtp::LocalReply RelayInspector::on_rcpt(const smtp::Envelope& envelope, std::string_view recipient) {
  const envelope::EnvelopePolicy* policy = context_.snapshot->envelope.get();
  if (policy == nullptr) return {};
  const envelope::EnvelopeDecision d = policy->check_recipient(recipient);
  if (d.refuse) return local_reply(d);
  // A safelist skips anti-spam for the whole transaction: spam rules, reputation, greylisting — never anti-virus.
  if (policy->safelisted(envelope.mail_from, recipient)) {
    safelisted_ = true;
    return {};
  }
  if (context_.greylist != nullptr && context_.snapshot->policy.greylist.enabled) {
    return local_reply(context_.greylist->check(client_, envelope.mail_from, recipient, *context_.now_ns));
  }
  return {};
}

// A new record for the session's next message: when, which flow, which message of it, the session's TLS.
void RelayInspector::begin_record() {
  record_ = MessageRecord{};
  record_.timestamp_ns = *context_.now_ns;
  record_.policy_version = context_.snapshot->version;
  record_.flow = flow_;
  record_.index_in_session = ++message_index_;
  record_.tls = tls_;
}

void RelayInspector::on_message_begin(const smtp::Envelope& envelope) {
  begin_record();
  char id[48];
  std::snprintf(id, sizeof id, "%" PRIx64 "-%" PRIu64 "-%u", record_.timestamp_ns / 1000, flow_.flow_id,
                message_index_);
  record_.id = id;
  record_.envelope = envelope;
  record_.enforced = true;
  inspector_->begin(&record_);
  if (safelisted_) inspector_->skip_antispam();
  message_open_ = true;
  header_done_ = header_too_big_ = false;
  header_line_bytes_ = 0;
  header_bytes_ = 0;
}

void RelayInspector::log_not_inspected(std::string_view why) {
  begin_record();
  record_.encrypted = true;
  record_.flags.emplace_back(why);
  context_.records->on_message_record(record_);
}

void RelayInspector::log_tls_failure(std::string_view leg, std::string_view reason,
                                     std::string_view offered_versions, std::string_view offered_ciphers,
                                     std::string_view action) {
  TlsFailureRecord r;
  r.timestamp_ns = *context_.now_ns;
  r.policy_version = context_.snapshot->version;
  r.flow = flow_;
  r.leg = leg;
  r.reason = reason;
  r.offered_versions = offered_versions;
  r.offered_ciphers = offered_ciphers;
  r.action = action;
  context_.records->on_tls_failure(r);
}

void RelayInspector::on_message_content(std::string_view canonical) {
  if (!message_open_) return;
  if (!header_done_) track_header_block(canonical);
  inspector_->set_wall_deadline_tsc(verdict_deadline_tsc());
  inspector_->feed(canonical);
}

// The dataplane stops scanning once client input has waited verdict-timeout, but it can only look between
// calls; the same bound handed to the inspector stops an archive expanding inside this call (RES-16).
uint64_t RelayInspector::verdict_deadline_tsc() const {
  const uint32_t timeout_ms = context_.snapshot->policy.scan.verdict_timeout_ms;
  if (input_since_tsc_ == 0 || context_.tsc_hz == 0 || timeout_ms == 0) return 0;
  return input_since_tsc_ +
         static_cast<uint64_t>(static_cast<unsigned __int128>(context_.tsc_hz) * timeout_ms / 1000);
}

// Canonical content ends lines in CRLF only, so the header block ends at the first empty line.
void RelayInspector::track_header_block(std::string_view canonical) {
  const uint64_t limit = context_.snapshot->policy.mime.max_header_size;
  for (size_t i = 0; i < canonical.size() && !header_done_; ++i) {
    ++header_bytes_;
    if (canonical[i] == '\n') {
      if (header_line_bytes_ == 1) header_done_ = true;   // the line was just CR LF
      header_line_bytes_ = 0;
    } else {
      ++header_line_bytes_;
    }
  }
  if (header_bytes_ > limit) {
    header_too_big_ = true;   // RES-7: refused, not truncated (the scanner and the backend would then differ)
    header_done_ = true;
  }
}

void RelayInspector::stop_scanning() {
  if (message_open_) inspector_->stop_scanning();
}

void RelayInspector::apply_relay_checks(const smtp::MessageEnd& end) {
  const control::Policy& p = context_.snapshot->policy;
  Verdict& v = record_.verdict;
  if (header_too_big_) v.apply(control::Action::Reject, "smtp:header_size");
  // The relay stops feeding content past the size limit, so the inspector may not have seen the excess itself.
  if (end.size > (static_cast<uint64_t>(p.smtp.oversize_limit_mb) << 20) && !has_reason(v, "smtp:oversize")) {
    v.apply(p.smtp.oversize_action, "smtp:oversize");
    record_.flags.emplace_back("oversize");
  }
  const uint32_t stray = smtp::flag_bit(smtp::SessionFlag::BareLf) | smtp::flag_bit(smtp::SessionFlag::BareCr);
  if ((end.flags & stray) && p.smtp.bare_newline == control::BareNewlinePolicy::Reject) {
    v.apply(control::Action::Reject, "smtp:bare_newline");
  }
  if ((end.flags & smtp::flag_bit(smtp::SessionFlag::LongLine)) && p.smtp.long_line_action != control::Action::Pass) {
    v.apply(p.smtp.long_line_action, "smtp:long_line");
  }
}

// The reply names the rule and the record id (FIELD-NOTES: "5.7.1 without relay" must be explainable).
smtp::LocalReply RelayInspector::refusal_for(control::Action action) const {
  const Verdict& v = record_.verdict;
  smtp::LocalReply r;
  std::string reason;
  for (const std::string& each : v.reasons) {
    if (!reason.empty()) reason += ",";
    reason += each;
  }
  if (action == control::Action::Tempfail) {
    r.code = 451;
    r.text = "4.7.1 Message deferred: ";
  } else if (has_reason(v, "smtp:oversize") || has_reason(v, "smtp:header_size") || has_reason(v, "smtp:long_line")) {
    r.code = 552;
    r.text = has_reason(v, "smtp:header_size") ? "5.3.4 Message header size exceeds limit: "
                                                : "5.3.4 Message size exceeds fixed limit: ";
  } else if (has_reason(v, "smtp:bare_newline")) {
    r.code = 550;
    r.text = "5.5.2 Error: bare <CR> or <LF> received: ";
  } else if (has_reason(v, "smtp:smuggling_sequence")) {   // a "." line next to a NUL (SM-11, SM-12)
    r.code = 550;
    r.text = "5.5.2 Error: end-of-data look-alike in message content: ";
  } else if (action == control::Action::Quarantine) {
    r.code = 550;
    r.text = "5.7.1 Message quarantined: ";
  } else {
    r.code = 550;
    r.text = "5.7.1 Message rejected: ";
  }
  append_sanitised(r.text, reason, kReasonInReply);
  r.text += " (id ";
  r.text += record_.id;
  r.text += ")";
  return r;
}

void RelayInspector::add_tag_headers(std::string& out) const {
  out = "X-Sluice-Verdict: tag (";
  size_t n = 0;
  for (const std::string& reason : record_.verdict.reasons) {
    if (n++ != 0) out += ",";
    append_sanitised(out, reason, kReasonInReply);
  }
  out += ") id=" + record_.id + "\r\n";
  out += "X-Sluice-Spam-Score: " + std::to_string(record_.spam_score) + "\r\n";
}

RelayInspector::CopyResult RelayInspector::store_quarantine_copy(std::string_view held) {
  const control::QuarantineSettings& q = context_.snapshot->policy.quarantine;
  if (q.directory.empty() || held.empty() || held.size() > (static_cast<uint64_t>(q.max_size_mb) << 20)) {
    return CopyResult::NotCopied;
  }
  const std::string path = q.directory + "/" + record_.id + ".eml";
  FILE* f = std::fopen(path.c_str(), "wbx");
  if (f == nullptr) return CopyResult::Failed;
  const bool ok = std::fwrite(held.data(), 1, held.size(), f) == held.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(path.c_str());   // never leave a truncated copy behind
    return CopyResult::Failed;
  }
  record_.quarantine_file = path;
  return CopyResult::Stored;
}

smtp::MessageDecision RelayInspector::on_message_end(const smtp::MessageEnd& end, std::string_view held) {
  smtp::MessageDecision decision;
  if (!message_open_) return decision;
  inspector_->set_wall_deadline_tsc(verdict_deadline_tsc());
  inspector_->finish(end);
  if (end.complete) apply_relay_checks(end);
  const uint64_t now = read_cycles();
  if (input_since_tsc_ != 0 && now >= input_since_tsc_ && context_.tsc_hz != 0) {
    record_.verdict_latency_us = static_cast<uint64_t>(
        static_cast<unsigned __int128>(now - input_since_tsc_) * 1'000'000 / context_.tsc_hz);
  }
  if (!end.complete) return decision;   // nobody to answer: the record says what was seen

  control::Action action = record_.verdict.action;
  if (action == control::Action::Quarantine) {
    const CopyResult copy = store_quarantine_copy(held);
    if (copy == CopyResult::Failed) {
      // The copy was asked for and the disk could not take it: neither deliver a message that should be held
      // nor refuse one whose copy is lost. The sender keeps it and retries (RFC 3463 4.3.1).
      record_.flags.emplace_back("quarantine_copy_failed");
      decision.kind = smtp::MessageDecision::Kind::Refuse;
      decision.refusal = smtp::LocalReply{452, "4.3.1 Insufficient system storage"};
      return decision;
    }
    if (copy == CopyResult::NotCopied) record_.flags.emplace_back("quarantine_copy_not_stored");
    if (context_.snapshot->policy.quarantine.after_action == control::Action::Pass) {
      action = control::Action::Pass;
    } else {
      decision.kind = smtp::MessageDecision::Kind::Refuse;
      decision.refusal = refusal_for(control::Action::Quarantine);
      return decision;
    }
  }
  switch (action) {
    case control::Action::Pass:
      break;
    case control::Action::Tag:
      if (held.empty()) {
        record_.flags.emplace_back("tag_headers_not_added_streamed");
      } else {
        add_tag_headers(decision.added_headers);
      }
      break;
    case control::Action::Tempfail:
    case control::Action::Reject:
    case control::Action::Quarantine:
      decision.kind = smtp::MessageDecision::Kind::Refuse;
      decision.refusal = refusal_for(action);
      break;
  }
  return decision;
}

void RelayInspector::on_message_done(const smtp::MessageOutcome& outcome) {
  if (!message_open_) return;
  message_open_ = false;
  record_.client_reply = outcome.client_code;
  record_.client_reply_text = outcome.client_text;
  record_.server_reply = outcome.backend_code;
  record_.server_reply_text = outcome.backend_text;
  record_.headers_added = outcome.headers_added;
  context_.records->on_message_record(record_);
}

}  // namespace sluice::scan
