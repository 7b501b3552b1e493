// control/config/writer.cc — walks the schema table and renders each row.
#include "control/config/writer.h"

#include "control/config/schema.h"

namespace sluice::control::config {

namespace {

void write_settings(std::string& out, const BlockSpec& block, const void* target, const std::string& indent) {
  for (const KeySpec& key : block.keys) {
    const std::vector<std::string> words = key.field.render(target, key);
    if (words.empty()) continue;
    // An unset address has no 'set' spelling ("" is not an address): show omits it, like an empty list.
    const bool address_kind = key.kind == ValueKind::Address || key.kind == ValueKind::Prefix;
    if (address_kind && words.size() == 1 && words[0].empty()) continue;
    out += indent + "set " + std::string(key.name);
    for (const std::string& word : words) out += " " + quote_word(word);
    out += "\n";
  }
}

}  // namespace

std::string quote_word(const std::string& word) {
  const bool bare = !word.empty() && word.find_first_of(" \t\r\n\f\v\"#\\") == std::string::npos;
  if (bare) return word;
  std::string quoted = "\"";
  for (const char c : word) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string write_config(const Policy& policy) {
  std::string out;
  for (const BlockSpec& block : config_blocks()) {
    out += "config " + std::string(block.path) + "\n";
    if (block.shape == BlockShape::Settings) {
      write_settings(out, block, block.settings_view(policy), "    ");
    } else {
      for (const NamedEntry& entry : block.entries(policy)) {
        out += "    edit " + quote_word(std::string(entry.name)) + "\n";
        write_settings(out, block, entry.entry, "        ");
        out += "    next\n";
      }
    }
    out += "end\n";
  }
  return out;
}

}  // namespace sluice::control::config
