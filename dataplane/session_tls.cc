// dataplane/session_tls.cc — see session_tls.h.
#include "dataplane/session_tls.h"

#include <algorithm>
#include <cstring>

#include "tls/tls_settings_from_policy.h"

namespace sluice::dataplane {

namespace {

bool listed(const std::vector<uint16_t>& ports, uint16_t port) {
  return std::find(ports.begin(), ports.end(), port) != ports.end();
}

const char* mode_name(control::TlsMode mode) {
  switch (mode) {
    case control::TlsMode::ProtectingServer: return "protecting-server";
    case control::TlsMode::CertificateInspection: return "certificate-inspection";
    case control::TlsMode::None: return "none";
  }
  return "none";
}

smtp::BackendStarttls backend_rule(control::BackendTls b) {
  switch (b) {
    case control::BackendTls::Starttls: return smtp::BackendStarttls::Required;
    case control::BackendTls::Opportunistic: return smtp::BackendStarttls::Opportunistic;
    default: return smtp::BackendStarttls::Never;
  }
}

}  // namespace

bool TlsPlan::build(const control::Policy& policy, LiveTopology* topology, std::string* error,
                    std::vector<std::string>* warnings, const TlsPlanHooks& hooks) {
  std::string problems;
  for (VipPort& port : topology->vip_ports) {
    if (!port.inspected) continue;
    const auto vip = std::find_if(policy.vips.begin(), policy.vips.end(),
                                  [&](const control::Vip& v) { return v.name == port.vip_name; });
    if (vip == policy.vips.end() || vip->ssl_profile.empty()) continue;
    const auto profile = std::find_if(policy.ssl_profiles.begin(), policy.ssl_profiles.end(),
                                      [&](const control::SslProfile& p) { return p.name == vip->ssl_profile; });
    if (profile == policy.ssl_profiles.end()) {
      problems += "firewall vip \"" + vip->name + "\": ssl-profile \"" + vip->ssl_profile + "\" does not exist\n";
      continue;
    }
    // One set of contexts per profile, however many ports use it (tickets stay per profile: TLS-9).
    auto built = std::find_if(profiles_.begin(), profiles_.end(), [&](const Profile& p) { return p.name == profile->name; });
    if (built == profiles_.end()) {
      Profile p;
      p.name = profile->name;
      std::string why;
      if (profile->mode == control::TlsMode::ProtectingServer) {
        tls::TlsServerSettings settings = tls::server_settings_for(*profile, policy.tls);
        settings.offload_key = hooks.offload_key;
        p.server = tls::TlsServerContext::build(settings, &why, warnings);
        if (!p.server) problems += "ssl profile \"" + profile->name + "\": " + why + "\n";
        p.backend = tls::TlsClientContext::build(tls::client_settings_for(*profile, policy.tls), &why);
        if (!p.backend) problems += "ssl profile \"" + profile->name + "\" backend: " + why + "\n";
      }
      profiles_.push_back(std::move(p));
      built = profiles_.end() - 1;
    }
    auto t = std::make_unique<PortTls>();
    t->mode = profile->mode;
    t->mode_name = mode_name(profile->mode);
    t->smtps = listed(profile->smtps_ports, port.port);
    t->server = built->server.get();
    t->backend = built->backend.get();
    t->backend_server_name = profile->backend_server_name;
    t->on_version = profile->unsupported_ssl_version;
    t->on_cipher = profile->unsupported_ssl_cipher;
    t->on_negotiation = profile->unsupported_ssl_negotiation;
    t->block_ns = uint64_t{profile->unsupported_ssl_block_time_s} * 1'000'000'000ull;
    t->handshake_timeout_ns = uint64_t{profile->handshake_timeout_s} * 1'000'000'000ull;
    const bool terminates = profile->mode == control::TlsMode::ProtectingServer;
    smtp::RelayTls& r = t->relay;
    if (t->smtps) {
      r.client_tls = terminates;
      r.backend_prelude = terminates && profile->backend_smtps_tls == control::BackendTls::Starttls;
      t->backend_implicit = terminates && profile->backend_smtps_tls == control::BackendTls::Implicit;
    } else {
      r.offer_starttls = profile->mode != control::TlsMode::None;
      r.splice = profile->mode == control::TlsMode::CertificateInspection;
      r.require_tls = terminates && listed(profile->require_tls_ports, port.port);
      r.backend = terminates ? backend_rule(profile->backend_tls) : smtp::BackendStarttls::Never;
    }
    port.tls = t.get();
    ports_.push_back(std::move(t));
  }
  if (!problems.empty()) {
    problems.pop_back();
    *error = problems;
    return false;
  }
  return true;
}

TlsBlockList::TlsBlockList(size_t capacity) : entries_(std::max<size_t>(capacity, 16)) {}

size_t TlsBlockList::slot(const IpAddr& client) const {
  uint64_t h = 1469598103934665603ull;   // FNV-1a: the table only spreads entries, it is not a security boundary
  for (uint8_t b : client.bytes) h = (h ^ b) * 1099511628211ull;
  return h % entries_.size();
}

void TlsBlockList::block(const IpAddr& client, uint64_t until_ns) {
  ++blocks_;
  const size_t start = slot(client);
  size_t oldest = start;
  for (size_t i = 0; i < 8; ++i) {
    Entry& e = entries_[(start + i) % entries_.size()];
    if (e.client == client || e.until_ns == 0) {
      e.client = client;
      e.until_ns = until_ns;
      return;
    }
    if (e.until_ns < entries_[oldest].until_ns) oldest = (start + i) % entries_.size();
  }
  entries_[oldest] = Entry{client, until_ns};
}

bool TlsBlockList::blocked(const IpAddr& client, uint64_t now_ns) const {
  const size_t start = slot(client);
  for (size_t i = 0; i < 8; ++i) {
    const Entry& e = entries_[(start + i) % entries_.size()];
    if (e.until_ns != 0 && e.client == client) return e.until_ns > now_ns;
  }
  return false;
}

}  // namespace sluice::dataplane
