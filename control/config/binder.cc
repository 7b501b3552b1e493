// control/config/binder.cc — walks the tree block by block against the schema.
#include "control/config/binder.h"

#include <map>
#include <set>
#include <string>

#include "control/config/schema.h"
#include "control/config/value_conversion.h"

namespace sluice::control::config {

namespace {

std::string joined_path(const std::vector<Word>& path) {
  std::string joined;
  for (const Word& word : path) joined += (joined.empty() ? "" : " ") + word.text;
  return joined;
}

std::string position_text(SourcePosition at) { return std::to_string(at.line) + ":" + std::to_string(at.column); }

class Binder {
 public:
  Binder(std::string_view base_dir, Policy& policy, ErrorList& errors, FileChecks checks)
      : base_dir_(base_dir), policy_(policy), errors_(errors), checks_(checks) {}

  void bind_block(const Block& block) {
    const std::string path = joined_path(block.path);
    const BlockSpec* spec = find_block(path);
    if (!spec) {
      const std::string_view match = closest_match(path, block_paths());
      const std::string hint = match.empty() ? "" : " (did you mean 'config " + std::string(match) + "'?)";
      errors_.add(block.path.front().at, "unknown block 'config " + path + "'" + hint);
      return;
    }
    const std::string label = "'config " + path + "'";
    if (spec->shape == BlockShape::Settings) {
      for (const TableEntry& entry : block.entries) {
        errors_.add(entry.at, label + " is a settings block: 'edit' is not allowed here");
      }
      bind_settings(*spec, label, block.settings, spec->settings_target(policy_));
      return;
    }
    for (const Setting& setting : block.settings) {
      errors_.add(setting.at, label + " is a table: '" + std::string(setting.is_unset ? "unset" : "set") +
                                  "' belongs inside 'edit \"<name>\"' ... 'next'");
    }
    for (const TableEntry& entry : block.entries) bind_entry(*spec, label, entry);
  }

 private:
  void bind_entry(const BlockSpec& spec, const std::string& label, const TableEntry& entry) {
    if (entry.name.text.empty()) {
      errors_.add(entry.name.at, "'edit' wants a non-empty name in " + label);
      return;
    }
    // Names are unique across every block of the same table, not per block.
    auto [first, inserted] = seen_entries_[&spec].emplace(entry.name.text, entry.name.at);
    if (!inserted) {
      errors_.add(entry.name.at, "duplicate entry '" + entry.name.text + "' in " + label + " (first defined at " +
                                     position_text(first->second) + ")");
      return;
    }
    const std::set<std::string_view> keys_set =
        bind_settings(spec, label, entry.settings, spec.append_entry(policy_, entry.name.text));
    for (const KeySpec& key : spec.keys) {
      if (key.required && !keys_set.contains(key.name)) {
        errors_.add(entry.at, "entry '" + entry.name.text + "' in " + label + " is missing required setting '" +
                                  std::string(key.name) + "'");
      }
    }
  }

  // Returns the keys set (even to a rejected value, which already has its own
  // error) and not unset afterwards, for required-key checks.
  std::set<std::string_view> bind_settings(const BlockSpec& spec, const std::string& label,
                                           const std::vector<Setting>& settings, void* target) {
    std::set<std::string_view> keys_set;
    for (const Setting& setting : settings) {
      if (errors_.full()) break;
      const KeySpec* key = find_key(spec, setting.key.text);
      if (!key) {
        errors_.add(setting.key.at, "unknown setting '" + setting.key.text + "' in " + label +
                                        did_you_mean(setting.key.text, key_names(spec)));
        continue;
      }
      if (setting.is_unset) {
        key->field.reset(target);
        keys_set.erase(key->name);
        continue;
      }
      keys_set.insert(key->name);
      std::optional<BoundValue> value = convert_value(*key, setting.values, base_dir_, errors_, checks_);
      if (value) key->field.store(target, std::move(*value));
    }
    return keys_set;
  }

  std::string_view base_dir_;
  Policy& policy_;
  ErrorList& errors_;
  FileChecks checks_;
  std::map<const BlockSpec*, std::map<std::string, SourcePosition>> seen_entries_;
};

}  // namespace

void bind(const ConfigTree& tree, std::string_view base_dir, Policy& policy, ErrorList& errors, FileChecks checks) {
  Binder binder(base_dir, policy, errors, checks);
  for (const Block& block : tree.blocks) {
    if (errors.full()) return;
    binder.bind_block(block);
  }
}

}  // namespace sluice::control::config
