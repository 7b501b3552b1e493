// tls/leg_report.h — the TlsLegReport of a leg, built from its TlsSession when the handshake ends.
//
// Owns: the mapping from what a TlsSession knows (version, cipher, SNI, verification, failure text, the
// client's offer) to the report the dataplane logs, including the two classifications the log and the
// `unsupported-ssl-*` policy need: version_unsupported (no common protocol version, e.g. a TLS 1.0-only client
// against min-version tls1.2) and cipher_unsupported (no shared cipher). Shared by every TlsLeg kind (the
// pooled leg and the inline one) so both report the same way.
// May call: tls/tls_leg.h, tls/tls_session.h and the C++ standard library.
#pragma once

#include "tls/tls_leg.h"
#include "tls/tls_session.h"

namespace sluice::tls {

// The report for `session` as it stands (call once its state is Established, Failed or Closed).
// async_pauses is left 0: only the caller knows how often the session was parked.
TlsLegReport make_leg_report(const TlsSession& session);

// Fills `out` in place (keeps its strings' capacity: a recycled leg does not reallocate).
void fill_leg_report(const TlsSession& session, TlsLegReport* out);

// The classifications alone, from a failure text and the alerts (exposed for tests).
bool failure_is_version_unsupported(const TlsSession& session);
bool failure_is_cipher_unsupported(const TlsSession& session);

}  // namespace sluice::tls
