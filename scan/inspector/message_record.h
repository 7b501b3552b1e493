// scan/inspector/message_record.h — everything Sluice logs about one message (log-all, EVE-style).
//
// Built by the MessageInspector while the message streams through, completed at end of data, turned into
// one JSON line by write_message_json(). Plain data: no behaviour beyond formatting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/policy.h"
#include "scan/smtp/passive_session.h"

namespace sluice::scan {

struct FlowTuple {
  std::string src_ip, dest_ip;   // client (src) and server (dest) as seen on the wire
  uint16_t src_port = 0, dest_port = 0;
  uint64_t flow_id = 0;
  uint16_t vlan = 0;
};

struct AttachmentRecord {
  std::string name;              // first candidate name (sanitised); all candidates in `names`
  std::vector<std::string> names;
  std::string declared_type;     // MIME Content-Type, or "archive-entry"
  std::string detected_type;     // from magic bytes
  std::string container;         // archive it was found in ("" at MIME level)
  uint32_t depth = 0;            // archive depth (0 = MIME part)
  uint64_t size = 0;
  std::string sha256;
};

struct UrlRecord {
  std::string url;               // normalised
  std::vector<std::string> flags;
  std::string listed;            // matching list entry, "" if not listed
};

struct HitRecord {
  std::string name;
  std::string kind;              // body_signature, hash_signature, header_rule, body_rule
  std::string where;             // "message", attachment name, or header name
  int score = 0;
};

struct Verdict {
  control::Action action = control::Action::Pass;
  std::vector<std::string> reasons;   // "antivirus:Eicar-Test-Signature", "mime:duplicate_boundary", ...

  // Keeps the most severe action (pass < tag < quarantine < tempfail < reject) and every reason.
  void apply(control::Action candidate, std::string reason);
};

// One TLS leg of a live session, as negotiated.
struct TlsLegRecord {
  std::string version, cipher, sni;
  std::string verify;              // backend leg: "verified", "not verified", "failed: ..."
  bool resumed = false;
};
// The session's TLS (live relay only): empty mode = plaintext session.
struct TlsRecord {
  std::string mode;                // "protecting-server", "certificate-inspection"
  bool client = false, backend = false;   // which legs are TLS
  TlsLegRecord client_leg, backend_leg;
};

// A TLS handshake that failed (either leg): logged on its own, with what the client offered.
struct TlsFailureRecord {
  uint64_t timestamp_ns = 0;
  uint64_t policy_version = 0;
  FlowTuple flow;
  std::string leg;                 // "client" or "backend"
  std::string reason;
  std::string offered_versions, offered_ciphers;
  std::string action;              // "close" or "block"
};

struct MessageRecord {
  std::string id;                  // unique per message: given in the client's reply so the admin finds this record
  uint64_t timestamp_ns = 0;
  uint64_t policy_version = 0;     // the committed configuration that judged the message
  FlowTuple flow;
  uint32_t index_in_session = 0;
  smtp::Envelope envelope;
  bool complete = false;           // the end of data was seen
  int server_reply = 0;            // the backend's reply to end of data (0 = none seen)
  std::string server_reply_text;
  uint64_t size = 0;
  std::string message_id, subject, from;
  std::vector<AttachmentRecord> attachments;
  std::vector<UrlRecord> urls;
  uint32_t urls_dropped = 0;
  std::vector<HitRecord> hits;
  int spam_score = 0;
  Verdict verdict;
  uint64_t cycles = 0;
  bool scan_timeout = false;
  bool encrypted = false;          // content not inspected: spliced TLS (certificate inspection, no profile)
  TlsRecord tls;                   // live relay: both legs' TLS
  std::vector<std::string> flags;  // anomaly names from SMTP, MIME, archives, budget
  // Live relay only (enforced = the verdict decided what the client heard):
  bool enforced = false;
  int client_reply = 0;            // the reply the client got to its end of data (0 = none: it went away)
  std::string client_reply_text;
  uint64_t verdict_latency_us = 0; // end of data received -> verdict decided
  bool headers_added = false;      // tag headers reached the backend
  std::string quarantine_file;     // the stored copy, if quarantined
};

// One JSON object, no trailing newline.
void write_message_json(const MessageRecord&, std::string& out);
void write_tls_failure_json(const TlsFailureRecord&, std::string& out);

}  // namespace sluice::scan
