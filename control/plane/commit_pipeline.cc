// control/plane/commit_pipeline.cc — see commit_pipeline.h.
#include "control/plane/commit_pipeline.h"

#include <ctime>
#include <functional>

#include "control/config/writer.h"
#include "dataplane/live_topology.h"
#include "dataplane/session_tls.h"

namespace sluice::control::plane {

namespace {

// One block a running worker was built with: its name and how to copy it from one Policy to another.
struct RestartBlock {
  const char* name;
  std::function<void(Policy&, const Policy&)> copy;
};

const std::vector<RestartBlock>& restart_scope() {
  static const std::vector<RestartBlock> blocks = {
      {"system interface", [](Policy& to, const Policy& from) { to.interfaces = from.interfaces; }},
      {"firewall vip", [](Policy& to, const Policy& from) { to.vips = from.vips; }},
      {"smtp protocol-options", [](Policy& to, const Policy& from) { to.smtp = from.smtp; }},
      {"system session", [](Policy& to, const Policy& from) { to.session = from.session; }},
      {"system tcp", [](Policy& to, const Policy& from) { to.tcp = from.tcp; }},
      {"ssl profile", [](Policy& to, const Policy& from) { to.ssl_profiles = from.ssl_profiles; }},
      {"system tls", [](Policy& to, const Policy& from) { to.tls = from.tls; }},
      {"system control", [](Policy& to, const Policy& from) { to.control = from.control; }},
      {"log syslogd", [](Policy& to, const Policy& from) { to.syslog = from.syslog; }},
  };
  return blocks;
}

// The TLS contexts and topology the workers would build from `policy`: every certificate and key is loaded
// and matched, chains and expiry checked, exactly as a restart would.
bool check_live_build(const Policy& policy, std::vector<std::string>* errors, std::vector<std::string>* warnings) {
  dataplane::LiveTopology topology;
  std::string error;
  if (!dataplane::build_live_topology(policy, &topology, &error)) {
    errors->push_back(error);
    return false;
  }
  dataplane::TlsPlan plan;
  if (!plan.build(policy, &topology, &error, warnings)) {
    errors->push_back(error);
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> CommitPipeline::restart_blocks(const Policy& running, const Policy& next) {
  std::vector<std::string> changed;
  for (const RestartBlock& b : restart_scope()) {
    Policy a, c;
    b.copy(a, running);
    b.copy(c, next);
    if (config::write_config(a) != config::write_config(c)) changed.emplace_back(b.name);
  }
  return changed;
}

std::vector<std::string> CommitPipeline::pending_restart() const {
  return restart_blocks(workers_policy_, registry_.latest().policy);
}

CommitOutcome CommitPipeline::commit(const Policy& policy, const std::string& text, const std::string& user,
                                     const std::string& comment) {
  CommitOutcome out;
  if (!policy.interfaces.empty() && !check_live_build(policy, &out.errors, &out.warnings)) return out;
  std::string error;
  std::unique_ptr<scan::PolicySnapshot> snapshot = scan::build_policy_snapshot(policy, &error);
  if (!snapshot) {
    out.errors.push_back(error);
    return out;
  }
  const uint64_t version = std::max(registry_.latest().version, history_ != nullptr ? history_->latest() : 0) + 1;
  snapshot->version = version;
  const engine::LoadStats& s = snapshot->signature_stats;
  out.summary = "signatures " + std::to_string(s.body + s.hash) + " (body " + std::to_string(s.body) + ", hash " +
                std::to_string(s.hash) + "), rules " + std::to_string(s.rules) + ", url lists " +
                std::to_string(snapshot->url_lists.domain_count()) + " domains " +
                std::to_string(snapshot->url_lists.url_count()) + " urls";
  if (!registry_.publish(std::move(snapshot), &error)) {
    out.errors.push_back(error);
    return out;
  }
  out.ok = true;
  out.version = version;
  out.restart_blocks = restart_blocks(workers_policy_, policy);
  if (history_ != nullptr) {
    edit::CommitInfo info;
    info.version = version;
    info.unix_time = static_cast<int64_t>(std::time(nullptr));
    info.user = user;
    info.comment = comment;
    // The policy runs already; a history that cannot be written is reported, not a reason to undo it.
    if (!history_->record(info, text, &error)) out.warnings.push_back("not recorded in the history: " + error);
  }
  return out;
}

}  // namespace sluice::control::plane
