#include "scan/inspector/message_record.h"

#include "scan/inspector/json_writer.h"

namespace sluice::scan {
namespace {

int severity(control::Action a) {
  switch (a) {
    case control::Action::Pass: return 0;
    case control::Action::Tag: return 1;
    case control::Action::Quarantine: return 2;
    case control::Action::Tempfail: return 3;
    case control::Action::Reject: return 4;
  }
  return 0;
}

void write_strings(JsonWriter& json, std::string_view name, const std::vector<std::string>& items) {
  json.key(name);
  json.begin_array();
  for (const std::string& item : items) json.value(item);
  json.end_array();
}

void write_flow(JsonWriter& json, const FlowTuple& flow) {
  json.field("flow_id", flow.flow_id);
  json.field("src_ip", flow.src_ip);
  json.field("src_port", flow.src_port);
  json.field("dest_ip", flow.dest_ip);
  json.field("dest_port", flow.dest_port);
  if (flow.vlan != 0) json.field("vlan", flow.vlan);
  json.field("proto", "TCP");
}

void write_tls_leg(JsonWriter& json, const char* name, bool present, const TlsLegRecord& leg, bool backend) {
  json.key(name);
  if (!present) {
    json.null();
    return;
  }
  json.begin_object();
  json.field("version", leg.version);
  json.field("cipher", leg.cipher);
  json.field("sni", leg.sni);
  if (backend) {
    json.field("verify", leg.verify);
  } else {
    json.field("resumed", leg.resumed);
  }
  json.end_object();
}

void write_tls(JsonWriter& json, const TlsRecord& tls) {
  if (tls.mode.empty()) return;
  json.key("tls");
  json.begin_object();
  json.field("mode", tls.mode);
  write_tls_leg(json, "client", tls.client, tls.client_leg, false);
  write_tls_leg(json, "backend", tls.backend, tls.backend_leg, true);
  json.end_object();
}

void write_envelope(JsonWriter& json, const MessageRecord& r) {
  json.key("smtp");
  json.begin_object();
  json.field("helo", r.envelope.helo);
  json.field("esmtp", r.envelope.esmtp);
  json.field("mail_from", r.envelope.mail_from);
  write_strings(json, "mail_params", r.envelope.mail_params);
  write_strings(json, "rcpt_to", r.envelope.rcpt_to);
  if (!r.envelope.rcpt_rejected.empty()) write_strings(json, "rcpt_rejected", r.envelope.rcpt_rejected);
  json.field("complete", r.complete);
  json.field("server_reply", r.server_reply);
  json.field("server_reply_text", r.server_reply_text);
  json.end_object();
}

void write_attachments(JsonWriter& json, const std::vector<AttachmentRecord>& attachments) {
  json.key("attachments");
  json.begin_array();
  for (const AttachmentRecord& a : attachments) {
    json.begin_object();
    json.field("name", a.name);
    if (a.names.size() > 1) write_strings(json, "names", a.names);
    json.field("declared_type", a.declared_type);
    json.field("detected_type", a.detected_type);
    if (!a.container.empty()) json.field("container", a.container);
    if (a.depth != 0) json.field("depth", a.depth);
    json.field("size", a.size);
    json.field("sha256", a.sha256);
    json.end_object();
  }
  json.end_array();
}

void write_urls(JsonWriter& json, const MessageRecord& r) {
  json.key("urls");
  json.begin_array();
  for (const UrlRecord& u : r.urls) {
    json.begin_object();
    json.field("url", u.url);
    if (!u.flags.empty()) write_strings(json, "flags", u.flags);
    if (!u.listed.empty()) json.field("listed", u.listed);
    json.end_object();
  }
  json.end_array();
  if (r.urls_dropped != 0) json.field("urls_dropped", r.urls_dropped);
}

void write_hits(JsonWriter& json, const std::vector<HitRecord>& hits) {
  json.key("signatures");
  json.begin_array();
  for (const HitRecord& h : hits) {
    json.begin_object();
    json.field("name", h.name);
    json.field("kind", h.kind);
    json.field("where", h.where);
    if (h.score != 0) json.field("score", h.score);
    json.end_object();
  }
  json.end_array();
}

}  // namespace

void Verdict::apply(control::Action candidate, std::string reason) {
  if (severity(candidate) > severity(action)) action = candidate;
  reasons.push_back(std::move(reason));
}

void write_message_json(const MessageRecord& r, std::string& out) {
  JsonWriter json(out);
  json.begin_object();
  json.field("timestamp_ns", r.timestamp_ns);
  json.field("event_type", "smtp_message");
  if (!r.id.empty()) json.field("id", r.id);
  json.field("policy_version", r.policy_version);
  write_flow(json, r.flow);
  json.field("message_index", r.index_in_session);
  write_envelope(json, r);
  json.key("email");
  json.begin_object();
  json.field("message_id", r.message_id);
  json.field("subject", r.subject);
  json.field("from", r.from);
  json.field("size", r.size);
  write_attachments(json, r.attachments);
  write_urls(json, r);
  json.end_object();
  write_hits(json, r.hits);
  json.field("spam_score", r.spam_score);
  json.key("verdict");
  json.begin_object();
  json.field("action", r.encrypted ? "not_inspected" : control::action_name(r.verdict.action));
  write_strings(json, "reasons", r.verdict.reasons);
  json.end_object();
  json.field("cycles", r.cycles);
  json.field("scan_timeout", r.scan_timeout);
  json.field("encrypted", r.encrypted);
  write_tls(json, r.tls);
  write_strings(json, "flags", r.flags);
  if (r.enforced) {
    json.key("relay");
    json.begin_object();
    json.field("client_reply", r.client_reply);
    json.field("client_reply_text", r.client_reply_text);
    json.field("verdict_latency_us", r.verdict_latency_us);
    json.field("headers_added", r.headers_added);
    if (!r.quarantine_file.empty()) json.field("quarantine_file", r.quarantine_file);
    json.end_object();
  }
  json.end_object();
}

void write_tls_failure_json(const TlsFailureRecord& r, std::string& out) {
  JsonWriter json(out);
  json.begin_object();
  json.field("timestamp_ns", r.timestamp_ns);
  json.field("event_type", "tls_failure");
  json.field("policy_version", r.policy_version);
  write_flow(json, r.flow);
  json.field("leg", r.leg);
  json.field("reason", r.reason);
  json.field("offered_versions", r.offered_versions);
  json.field("offered_ciphers", r.offered_ciphers);
  json.field("action", r.action);
  json.end_object();
}

}  // namespace sluice::scan
