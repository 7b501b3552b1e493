// control/config/cross_checks.cc — the rules between keys and blocks, each
// error placed at the statement that broke it.
#include "control/config/cross_checks.h"

#include <string>
#include <string_view>
#include <vector>

namespace sluice::control::config {

namespace {

constexpr std::string_view kVipBlock = "firewall vip";
constexpr std::string_view kProfileBlock = "ssl profile";
constexpr std::string_view kTlsBlock = "system tls";
constexpr std::string_view kAlertMailBlock = "system alertemail";
constexpr std::string_view kSyslogBlock = "log syslogd";

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

bool has_path(const Block& block, std::string_view path) {
  std::string joined;
  for (const Word& word : block.path) joined += (joined.empty() ? "" : " ") + word.text;
  return joined == path;
}

// The entry the binder bound for name: the first one (a later one of the same
// name is a duplicate it refused).
const TableEntry* find_entry(const ConfigTree& tree, std::string_view path, const std::string& name) {
  for (const Block& block : tree.blocks) {
    if (!has_path(block, path)) continue;
    for (const TableEntry& entry : block.entries) {
      if (entry.name.text == name) return &entry;
    }
  }
  return nullptr;
}

// The statement that decided a key's value: the last 'set' or 'unset' of it
// (a later one wins); nullptr when the key was never written.
const Setting* last_statement(const std::vector<Setting>& settings, std::string_view key,
                              const Setting* before = nullptr) {
  for (const Setting& setting : settings) {
    if (setting.key.text == key) before = &setting;
  }
  return before;
}

// True when the key's deciding statement is a 'set' whose value the binder
// refused: its error is already reported, and a rule reading the default left
// behind would only repeat it.
bool set_but_refused(const Setting* statement) { return statement != nullptr && !statement->is_unset; }

SourcePosition value_position(const Setting* statement, SourcePosition fallback) {
  if (statement == nullptr || statement->is_unset || statement->values.empty()) return fallback;
  return statement->values.front().at;
}

std::string position_text(SourcePosition at) { return std::to_string(at.line) + ":" + std::to_string(at.column); }

bool before(SourcePosition a, SourcePosition b) { return a.line != b.line ? a.line < b.line : a.column < b.column; }

void check_vip_profiles(const ConfigTree& tree, const Policy& policy, ErrorList& errors) {
  std::vector<std::string_view> profile_names;
  for (const SslProfile& profile : policy.ssl_profiles) profile_names.push_back(profile.name);
  for (const Vip& vip : policy.vips) {
    if (vip.ssl_profile.empty()) continue;
    bool known = false;
    for (std::string_view name : profile_names) known = known || name == vip.ssl_profile;
    if (known) continue;
    const TableEntry* entry = find_entry(tree, kVipBlock, vip.name);
    const SourcePosition at = entry ? value_position(last_statement(entry->settings, "ssl-profile"), entry->at)
                                    : SourcePosition{};
    errors.add(at, "'ssl-profile' wants the name of a 'config ssl profile' entry, got " + in_quotes(vip.ssl_profile) +
                       did_you_mean(vip.ssl_profile, profile_names));
  }
}

void check_profiles(const ConfigTree& tree, const Policy& policy, ErrorList& errors) {
  for (const SslProfile& profile : policy.ssl_profiles) {
    const TableEntry* entry = find_entry(tree, kProfileBlock, profile.name);
    if (entry == nullptr) continue;  // bound from nowhere: cannot happen, and nothing to point at
    const std::string where = " (entry " + in_quotes(profile.name) + " in 'config ssl profile')";
    // Terminating TLS needs the protected server's own certificate; without one every STARTTLS would fail.
    if (profile.mode == TlsMode::ProtectingServer && profile.server_certs.empty() &&
        !set_but_refused(last_statement(entry->settings, "server-cert"))) {
      errors.add(entry->at, "entry " + in_quotes(profile.name) +
                                " in 'config ssl profile' has mode protecting-server but no 'server-cert'");
    }
    if (profile.backend_verify && profile.backend_ca_file.empty() &&
        !set_but_refused(last_statement(entry->settings, "backend-ca-file"))) {
      errors.add(value_position(last_statement(entry->settings, "backend-verify"), entry->at),
                 "'backend-verify' enable needs a 'backend-ca-file' to verify against" + where);
    }
  }
}

void check_offload(const ConfigTree& tree, const Policy& policy, ErrorList& errors) {
  if (policy.tls.engine.empty() || policy.tls.provider.empty()) return;
  const Setting* engine = nullptr;
  const Setting* provider = nullptr;
  for (const Block& block : tree.blocks) {
    if (!has_path(block, kTlsBlock)) continue;
    engine = last_statement(block.settings, "engine", engine);
    provider = last_statement(block.settings, "provider", provider);
  }
  if (engine == nullptr || provider == nullptr) return;
  // Point at whichever came second: that is the statement that made the pair.
  const bool provider_last = before(engine->key.at, provider->key.at);
  const Setting& last = provider_last ? *provider : *engine;
  const Setting& first = provider_last ? *engine : *provider;
  errors.add(last.key.at, in_quotes(last.key.text) + " cannot be set with " + in_quotes(first.key.text) + " (set at " +
                              position_text(first.key.at) +
                              ") in 'config system tls': private-key operations go to one offload");
}

// Like set_but_refused, for keys where an explicit "" is an accepted value
// (none): only a 'set' to some other word can have been refused.
bool set_nonempty_but_refused(const Setting* statement) {
  return set_but_refused(statement) && !(statement->values.size() == 1 && statement->values[0].text.empty());
}

// The deciding statement of a settings-block key across every block of that
// path (a later block's 'set' wins, as when binding).
const Setting* last_in_blocks(const ConfigTree& tree, std::string_view path, std::string_view key) {
  const Setting* last = nullptr;
  for (const Block& block : tree.blocks) {
    if (has_path(block, path)) last = last_statement(block.settings, key, last);
  }
  return last;
}

// Where the block's 'status enable' was written, else the block's first opening, else nowhere.
SourcePosition status_position(const ConfigTree& tree, std::string_view path) {
  const Setting* status = last_in_blocks(tree, path, "status");
  if (status != nullptr) return value_position(status, status->at);
  for (const Block& block : tree.blocks) {
    if (has_path(block, path)) return block.at;
  }
  return {};
}

void check_alert_mail(const ConfigTree& tree, const Policy& policy, ErrorList& errors) {
  const AlertMailSettings& mail = policy.alert_mail;
  const std::string where = " in 'config system alertemail'";
  if (mail.enabled) {
    // With nowhere to send, or no one to send to, every alert would queue until max-age and be dropped.
    if (mail.server.empty() && !set_nonempty_but_refused(last_in_blocks(tree, kAlertMailBlock, "server"))) {
      errors.add(status_position(tree, kAlertMailBlock), "'status' enable needs a 'server'" + where);
    }
    if (mail.to.empty() && !set_but_refused(last_in_blocks(tree, kAlertMailBlock, "to"))) {
      errors.add(status_position(tree, kAlertMailBlock), "'status' enable needs at least one 'to' recipient" + where);
    }
  }
  // AUTH needs both halves; one alone is a typo that would fail only when the first alert is sent.
  const Setting* username = last_in_blocks(tree, kAlertMailBlock, "username");
  const Setting* password = last_in_blocks(tree, kAlertMailBlock, "password");
  if (!mail.username.empty() && mail.password.empty() && !set_nonempty_but_refused(password)) {
    errors.add(value_position(username, {}), "'username' needs a 'password'" + where);
  }
  if (mail.username.empty() && !mail.password.empty() && !set_nonempty_but_refused(username)) {
    errors.add(value_position(password, {}), "'password' needs a 'username'" + where);
  }
}

void check_syslog(const ConfigTree& tree, const Policy& policy, ErrorList& errors) {
  if (!policy.syslog.enabled || !policy.syslog.server.empty()) return;
  if (set_but_refused(last_in_blocks(tree, kSyslogBlock, "server"))) return;
  errors.add(status_position(tree, kSyslogBlock), "'status' enable needs a 'server' in 'config log syslogd'");
}

}  // namespace

void check_cross_references(const ConfigTree& tree, const Policy& policy, ErrorList& errors) {
  check_vip_profiles(tree, policy, errors);
  check_profiles(tree, policy, errors);
  check_offload(tree, policy, errors);
  check_alert_mail(tree, policy, errors);
  check_syslog(tree, policy, errors);
}

}  // namespace sluice::control::config
