// tls/tls_settings_from_policy.h — the configuration's TLS words turned into the
// settings structs the TLS core is built from.
//
// Owns: the mapping from control::SslProfile (config ssl profile) to
// TlsServerSettings (the client leg, Sluice as server) and TlsClientSettings
// (the backend leg), and from control::TlsSystemSettings (config system tls) to
// CryptoOffloadSettings. Pure functions: no files read, no OpenSSL called; a
// bad certificate or cipher list is reported when the contexts are built.
// May call: control/policy.h and the settings structs of tls/tls_server_context.h,
// tls/tls_client_context.h and tls/crypto_offload.h. Lives in its own library
// (sluice_tls_policy) so sluice_tls stays free of control/.
#pragma once

#include "control/policy.h"
#include "tls/crypto_offload.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"

namespace sluice::tls {

// The client leg of a profile: its certificates, versions, ciphers, tickets;
// async from config system tls. Meaningful for mode protecting-server (the
// other modes terminate nothing).
TlsServerSettings server_settings_for(const control::SslProfile& profile, const control::TlsSystemSettings& system);

// The backend leg: backend-min-version, backend-verify against backend-ca-file
// with backend-server-name as SNI and checked name; async from config system tls.
TlsClientSettings client_settings_for(const control::SslProfile& profile, const control::TlsSystemSettings& system);

// engine "x.so" (a path; the binder made it absolute) -> OffloadKind::engine
// loaded from that file, its id taken as the file name without ".so" (the
// dynamic engine checks the module binds that id); engine "qatengine" -> the
// engine of that id, found by OpenSSL; provider (+ provider-path) ->
// OffloadKind::provider; neither -> OffloadKind::none. The binder refuses
// engine and provider together; were both set anyway, engine wins.
CryptoOffloadSettings offload_settings_for(const control::TlsSystemSettings& system);

}  // namespace sluice::tls
