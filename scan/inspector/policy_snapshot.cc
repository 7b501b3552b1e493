#include "scan/inspector/policy_snapshot.h"

#include <string_view>

namespace sluice::scan {
namespace {

// A rule bound to one header matches "Name: value" lines of that header only. Hyperscan has no
// look-behind, so the header name becomes an anchored prefix of the pattern.
std::string header_rule_pattern(const control::SpamRule& rule) {
  if (!rule.header_scope || rule.header.empty()) return rule.pattern;
  std::string pattern = "^";
  for (char c : rule.header) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!plain) pattern += '\\';
    pattern += c;
  }
  pattern += ":.*(?:" + rule.pattern + ")";
  return pattern;
}

bool load_url_lists(const control::Policy& policy, url::UrlLists& lists, std::string* error) {
  for (const std::string& path : policy.url_filter.domain_lists) {
    if (!lists.load_domain_file(path, error)) return false;
  }
  for (const std::string& path : policy.url_filter.url_lists) {
    if (!lists.load_url_file(path, error)) return false;
  }
  return true;
}

}  // namespace

bool load_policy_signatures(const control::Policy& policy, engine::SignatureSet& set, std::string* error) {
  if (policy.antivirus.builtin_eicar) set.add_builtin_eicar();
  for (const std::string& path : policy.antivirus.signature_files) {
    if (!set.load_file(path, error)) return false;
  }
  for (const control::SpamRule& rule : policy.spam.rules) {
    const auto scope = rule.header_scope ? engine::RuleScope::Header : engine::RuleScope::Body;
    if (!set.add_rule(rule.name, header_rule_pattern(rule), scope, rule.score, rule.caseless, error)) return false;
  }
  return true;
}


std::unique_ptr<PolicySnapshot> build_policy_snapshot(const control::Policy& policy, std::string* error) {
  auto snapshot = std::make_unique<PolicySnapshot>();
  snapshot->policy = policy;
  engine::SignatureSet signatures;
  if (!load_policy_signatures(policy, signatures, error)) return nullptr;
  snapshot->signature_stats = signatures.stats();
  snapshot->database = engine::Database::compile(signatures, error);
  if (!snapshot->database) return nullptr;
  if (!load_url_lists(policy, snapshot->url_lists, error)) return nullptr;
  snapshot->envelope = envelope::EnvelopePolicy::build(policy, error);
  if (!snapshot->envelope) return nullptr;
  snapshot->banned_names = BannedNames(policy.attachment_filter);
  return snapshot;
}

}  // namespace sluice::scan
