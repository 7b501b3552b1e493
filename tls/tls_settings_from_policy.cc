// tls/tls_settings_from_policy.cc — field by field, config words to TLS settings.
#include "tls/tls_settings_from_policy.h"

#include <string_view>

namespace sluice::tls {

TlsServerSettings server_settings_for(const control::SslProfile& profile, const control::TlsSystemSettings& system) {
  TlsServerSettings settings;
  settings.cert_files = profile.server_certs;
  settings.min_version = profile.min_version;
  settings.ciphers12 = profile.ciphers12;            // "" stays "": kDefaultCiphers12
  settings.ciphersuites13 = profile.ciphersuites13;  // "" stays "": kDefaultCiphersuites13
  settings.session_tickets = profile.session_tickets;
  settings.ticket_key_lifetime_s = profile.ticket_key_lifetime_s;
  settings.async = system.async;
  return settings;
}

TlsClientSettings client_settings_for(const control::SslProfile& profile, const control::TlsSystemSettings& system) {
  TlsClientSettings settings;
  settings.min_version = profile.backend_min_version;
  settings.verify = profile.backend_verify ? BackendVerify::CaFile : BackendVerify::None;
  settings.ca_file = profile.backend_ca_file;
  settings.server_name = profile.backend_server_name;
  settings.async = system.async;
  return settings;
}

CryptoOffloadSettings offload_settings_for(const control::TlsSystemSettings& system) {
  CryptoOffloadSettings settings;
  if (!system.engine.empty()) {
    settings.kind = OffloadKind::engine;
    const std::string_view engine = system.engine;
    if (engine.ends_with(".so")) {
      // "/opt/qat/qatengine.so" -> id "qatengine": the dynamic engine needs an id to check the module against.
      const size_t slash = engine.rfind('/');
      const std::string_view file = slash == std::string_view::npos ? engine : engine.substr(slash + 1);
      settings.name = std::string(file.substr(0, file.size() - 3));
      settings.path = system.engine;
    } else {
      settings.name = system.engine;
    }
    return settings;
  }
  if (!system.provider.empty()) {
    settings.kind = OffloadKind::provider;
    settings.name = system.provider;
    settings.path = system.provider_path;
  }
  return settings;
}

}  // namespace sluice::tls
