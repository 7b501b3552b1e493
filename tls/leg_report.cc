// tls/leg_report.cc — see leg_report.h.
#include "tls/leg_report.h"

#include <string_view>

namespace sluice::tls {
namespace {

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

}  // namespace

// OpenSSL's reasons when the peers share no protocol version: the server finds none of the client's versions
// acceptable ("unsupported protocol", "version too low"), or this side has none enabled ("no protocols
// available"); the alert is protocol_version either way (sent by the server, received by the client). A
// "wrong version number" is garbage or plaintext on a TLS port, not a version question, and is left out.
bool failure_is_version_unsupported(const TlsSession& session) {
  if (session.state() != TlsState::Failed) return false;
  const std::string& why = session.failure();
  const HandshakeRecord& rec = session.handshake();
  return contains(why, "unsupported protocol") || contains(why, "version too low") ||
         contains(why, "no protocols available") || contains(rec.alert_sent, "protocol version") ||
         contains(rec.alert_received, "protocol version");
}

// No cipher both sides accept: OpenSSL says "no shared cipher" on the server, "no ciphers available" when the
// local list is empty for the negotiated version.
bool failure_is_cipher_unsupported(const TlsSession& session) {
  if (session.state() != TlsState::Failed) return false;
  const std::string& why = session.failure();
  return contains(why, "no shared cipher") || contains(why, "no ciphers available");
}

void fill_leg_report(const TlsSession& session, TlsLegReport* out) {
  const HandshakeRecord& rec = session.handshake();
  out->version = session.version_name();
  out->cipher = session.state() == TlsState::Failed ? std::string() : session.cipher_name();
  out->sni = session.sni();
  out->peer_verify = session.peer_verify_result();
  out->failure = session.failure();
  out->offered_versions = rec.offered_versions;
  out->offered_ciphers = rec.offered_ciphers;
  out->resumed = session.state() != TlsState::Failed && session.session_reused();
  out->version_unsupported = failure_is_version_unsupported(session);
  out->cipher_unsupported = failure_is_cipher_unsupported(session);
}

TlsLegReport make_leg_report(const TlsSession& session) {
  TlsLegReport report;
  fill_leg_report(session, &report);
  return report;
}

}  // namespace sluice::tls
