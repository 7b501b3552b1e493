// control/edit/candidate_config.cc — statements applied to a canonical syntax tree.
//
// The tree holds one Block per schema block (in schema order), one TableEntry per name and at most one
// Setting per key, so `set` replaces, `unset` removes and the tree prints back as the configuration the
// administrator would write. Binding the tree gives the Policy; the loader's own checks run on the tree
// printed as text, each line remembered with the block and entry it belongs to.
#include "control/edit/candidate_config.h"

#include <algorithm>
#include <array>

#include "control/config/binder.h"
#include "control/config/diagnostics.h"
#include "control/config/lexer.h"
#include "control/config/parser.h"
#include "control/config/schema.h"
#include "control/config/value_conversion.h"
#include "control/config/writer.h"
#include "control/edit/config_diff.h"

namespace sluice::control::edit {

namespace {

using config::Block;
using config::BlockShape;
using config::BlockSpec;
using config::ConfigTree;
using config::KeySpec;
using config::Setting;
using config::TableEntry;
using config::Word;

constexpr std::array<std::string_view, 8> kStatements = {"config", "edit",  "set", "unset",
                                                         "delete", "next", "end", "abort"};

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string joined(const std::vector<Word>& words, size_t from = 0) {
  std::string text;
  for (size_t i = from; i < words.size(); ++i) text += (text.empty() ? "" : " ") + words[i].text;
  return text;
}

std::vector<Word> path_words(std::string_view path) {
  std::vector<Word> words;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t space = path.find(' ', start);
    const size_t stop = space == std::string_view::npos ? path.size() : space;
    words.push_back(Word{std::string(path.substr(start, stop - start)), {}});
    start = stop + 1;
  }
  return words;
}

size_t block_index(const BlockSpec& spec) { return static_cast<size_t>(&spec - config::config_blocks().data()); }

const BlockSpec& spec_of(size_t index) { return config::config_blocks()[index]; }

// `set` replaces the key's statement where it stands (the text keeps its order); a new key goes last.
void put_setting(std::vector<Setting>& settings, Setting setting) {
  for (Setting& existing : settings) {
    if (existing.key.text == setting.key.text) {
      existing = std::move(setting);
      return;
    }
  }
  settings.push_back(std::move(setting));
}

void erase_setting(std::vector<Setting>& settings, std::string_view key) {
  std::erase_if(settings, [&](const Setting& setting) { return setting.key.text == key; });
}

// Folds a statement into canonical form: what the binder would end up with, minus what it refuses
// (unknown keys). A later 'unset' leaves the default, which is the same as no statement.
void fold_setting(const BlockSpec& spec, std::vector<Setting>& settings, const Setting& setting) {
  if (config::find_key(spec, setting.key.text) == nullptr) return;
  if (setting.is_unset) {
    erase_setting(settings, setting.key.text);
  } else {
    put_setting(settings, setting);
  }
}

TableEntry* find_entry(Block& block, std::string_view name) {
  for (TableEntry& entry : block.entries) {
    if (entry.name.text == name) return &entry;
  }
  return nullptr;
}

// The running text as a canonical tree. Blocks the schema lacks and entries the binder would refuse as
// duplicates are dropped: they never reached the running Policy either.
ConfigTree canonical_tree(std::string_view text) {
  config::ErrorList ignored("running");
  const ConfigTree parsed = config::parse(config::lex(text, ignored), ignored);
  ConfigTree tree;
  for (const BlockSpec& spec : config::config_blocks()) tree.blocks.push_back(Block{path_words(spec.path), {}, {}, {}});
  for (const Block& block : parsed.blocks) {
    const BlockSpec* spec = config::find_block(joined(block.path));
    if (spec == nullptr) continue;
    Block& target = tree.blocks[block_index(*spec)];
    if (spec->shape == BlockShape::Settings) {
      for (const Setting& setting : block.settings) fold_setting(*spec, target.settings, setting);
      continue;
    }
    for (const TableEntry& entry : block.entries) {
      if (entry.name.text.empty() || find_entry(target, entry.name.text) != nullptr) continue;
      TableEntry& copy = target.entries.emplace_back(TableEntry{entry.name, {}, {}});
      for (const Setting& setting : entry.settings) fold_setting(*spec, copy.settings, setting);
    }
  }
  return tree;
}

// Binds each block, and each table entry, on its own: a block missing required keys must not use up the
// binder's error budget and leave later settings unbound. Only required-key errors can occur here
// (values were checked at 'set'); validate() reports those.
Policy bind_tree(const ConfigTree& tree, std::string_view base_dir) {
  Policy policy;
  for (const Block& block : tree.blocks) {
    const BlockSpec* spec = config::find_block(joined(block.path));
    if (spec == nullptr) continue;
    if (spec->shape == BlockShape::Settings) {
      config::ErrorList ignored("candidate");
      config::bind(ConfigTree{{block}}, base_dir, policy, ignored, config::FileChecks::Skip);
      continue;
    }
    for (const TableEntry& entry : block.entries) {
      config::ErrorList ignored("candidate");
      config::bind(ConfigTree{{Block{block.path, {}, {}, {entry}}}}, base_dir, policy, ignored,
                   config::FileChecks::Skip);
    }
  }
  return policy;
}

// The tree as configuration text, and for each of its lines the block (and entry) it belongs to.
struct TreeText {
  std::string text;
  std::vector<std::string> where;  // index: line - 1
};

TreeText print_tree(const ConfigTree& tree) {
  TreeText out;
  auto line = [&out](const std::string& text, const std::string& where) {
    out.text += text + "\n";
    out.where.push_back(where);
  };
  auto setting_line = [](const Setting& setting, const std::string& indent) {
    std::string text = indent + "set " + config::quote_word(setting.key.text);
    for (const Word& value : setting.values) text += " " + config::quote_word(value.text);
    return text;
  };
  for (const Block& block : tree.blocks) {
    const std::string path = joined(block.path);
    line("config " + path, path);
    for (const Setting& setting : block.settings) line(setting_line(setting, "    "), path);
    for (const TableEntry& entry : block.entries) {
      const std::string where = path + "/" + entry.name.text;
      line("    edit " + config::quote_word(entry.name.text), where);
      for (const Setting& setting : entry.settings) line(setting_line(setting, "        "), where);
      line("    next", where);
    }
    line("end", path);
  }
  return out;
}

std::string running_form(std::string_view running_text, std::string_view base_dir) {
  return config::write_config(bind_tree(canonical_tree(running_text), base_dir));
}

// Sorted and distinct, as the command completions (control/cli/completion.cc) are: keys come in schema order and
// table entries in configuration order, and a shell lists what it is given.
std::vector<std::string> with_prefix(const std::vector<std::string>& candidates, std::string_view prefix) {
  std::vector<std::string> matches;
  for (const std::string& candidate : candidates) {
    if (candidate.starts_with(prefix)) matches.push_back(candidate);
  }
  std::sort(matches.begin(), matches.end());
  matches.erase(std::unique(matches.begin(), matches.end()), matches.end());
  return matches;
}

bool fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

}  // namespace

CandidateConfig::CandidateConfig(std::string running_text, std::string base_dir) : base_dir_(std::move(base_dir)) {
  reset(std::move(running_text));
}

void CandidateConfig::reset(std::string running_text) {
  running_ = running_form(running_text, base_dir_);
  tree_ = canonical_tree(running_text);
  cursor_.reset();
}

bool CandidateConfig::is_statement(std::string_view first_word) {
  return std::find(kStatements.begin(), kStatements.end(), first_word) != kStatements.end();
}

bool CandidateConfig::apply(std::string_view statement, std::string* error) {
  if (statement.find('\n') != std::string_view::npos) return fail(error, "one statement per line");
  config::ErrorList lex_errors("cli");
  const config::LexedText lexed = config::lex(statement, lex_errors);
  const std::vector<ConfigError> problems = lex_errors.take();
  if (!problems.empty()) return fail(error, problems.front().message);
  if (lexed.statements.empty()) return fail(error, "empty statement");
  const std::vector<Word>& words = lexed.statements.front();
  const std::string& command = words.front().text;
  if (command == "config") return on_config(words, error);
  if (command == "edit") return on_edit(words, error);
  if (command == "set") return on_set(words, error);
  if (command == "unset") return on_unset(words, error);
  if (command == "delete") return on_delete(words, error);
  if (command == "next") return on_next(words, error);
  if (command == "end") return on_end(words, error);
  if (command == "abort") return on_abort(words, error);
  return fail(error, "unknown command " + in_quotes(command) +
                         " (expected config, edit, set, unset, delete, next, end or abort)" +
                         config::did_you_mean(command, kStatements));
}

std::string CandidateConfig::block_label() const { return "'config " + std::string(spec_of(cursor_->block).path) + "'"; }

bool CandidateConfig::on_config(const std::vector<Word>& words, std::string* error) {
  if (cursor_) return fail(error, "'config' inside " + block_label() + ": leave it with 'end' or 'abort' first");
  if (words.size() < 2) return fail(error, "'config' wants a block name, e.g. 'config firewall vip'");
  const std::string path = joined(words, 1);
  const BlockSpec* spec = config::find_block(path);
  if (spec == nullptr) {
    const std::vector<std::string_view> paths = config::block_paths();
    const std::string_view match = config::closest_match(path, paths);
    return fail(error, "unknown block " + in_quotes(path) +
                           (match.empty() ? "" : " (did you mean " + in_quotes(match) + "?)"));
  }
  const size_t index = block_index(*spec);
  cursor_ = Cursor{index, std::nullopt, tree_.blocks[index]};
  return true;
}

bool CandidateConfig::on_edit(const std::vector<Word>& words, std::string* error) {
  if (!cursor_) return fail(error, "'edit' outside a 'config' block");
  if (spec_of(cursor_->block).shape == BlockShape::Settings) {
    return fail(error, block_label() + " is a settings block: 'edit' is not allowed here (use 'set')");
  }
  Block& block = tree_.blocks[cursor_->block];
  if (cursor_->entry) {
    return fail(error, "'edit' inside entry " + in_quotes(block.entries[*cursor_->entry].name.text) + " of " +
                           block_label() + ": 'next' first");
  }
  if (words.size() != 2) return fail(error, "'edit' wants exactly one name");
  const std::string& name = words[1].text;
  if (name.empty()) return fail(error, "'edit' wants a non-empty name in " + block_label());
  TableEntry* entry = find_entry(block, name);
  if (entry == nullptr) entry = &block.entries.emplace_back(TableEntry{Word{name, {}}, {}, {}});
  cursor_->entry = static_cast<size_t>(entry - block.entries.data());
  return true;
}

std::vector<Setting>* CandidateConfig::settings_at_cursor(std::string_view command, std::string* error) {
  if (!cursor_) {
    fail(error, in_quotes(command) + " outside a 'config' block");
    return nullptr;
  }
  Block& block = tree_.blocks[cursor_->block];
  if (spec_of(cursor_->block).shape == BlockShape::Settings) return &block.settings;
  if (!cursor_->entry) {
    fail(error, in_quotes(command) + " outside an entry of a table block: 'edit \"<name>\"' first in " +
                    block_label());
    return nullptr;
  }
  return &block.entries[*cursor_->entry].settings;
}

bool CandidateConfig::on_set(const std::vector<Word>& words, std::string* error) {
  std::vector<Setting>* settings = settings_at_cursor("set", error);
  if (settings == nullptr) return false;
  if (words.size() < 2) return fail(error, "'set' wants a setting name");
  const BlockSpec& spec = spec_of(cursor_->block);
  const KeySpec* key = config::find_key(spec, words[1].text);
  if (key == nullptr) {
    return fail(error, "unknown key " + in_quotes(words[1].text) + " in " + block_label() +
                           config::did_you_mean(words[1].text, config::key_names(spec)));
  }
  if (words.size() < 3) {
    return fail(error, "'set " + words[1].text + "' wants a value (use 'unset' to restore the default)");
  }
  const std::vector<Word> values(words.begin() + 2, words.end());
  config::ErrorList value_errors("cli");
  if (!config::convert_value(*key, values, base_dir_, value_errors, config::FileChecks::Skip)) {
    // The reader's message starts with the key's name: "'extip' wants an IPv4 or IPv6 address, got ...".
    std::vector<ConfigError> problems = value_errors.take();
    std::string message = problems.empty() ? "refused" : problems.front().message;
    const std::string named = in_quotes(key->name) + " ";
    if (message.starts_with(named)) message.erase(0, named.size());
    return fail(error, "bad value for " + in_quotes(key->name) + ": " + message);
  }
  put_setting(*settings, Setting{Word{std::string(key->name), {}}, values, false, {}});
  return true;
}

bool CandidateConfig::on_unset(const std::vector<Word>& words, std::string* error) {
  std::vector<Setting>* settings = settings_at_cursor("unset", error);
  if (settings == nullptr) return false;
  if (words.size() < 2) return fail(error, "'unset' wants a setting name");
  if (words.size() > 2) return fail(error, "'unset' takes only a setting name");
  const BlockSpec& spec = spec_of(cursor_->block);
  if (config::find_key(spec, words[1].text) == nullptr) {
    return fail(error, "unknown key " + in_quotes(words[1].text) + " in " + block_label() +
                           config::did_you_mean(words[1].text, config::key_names(spec)));
  }
  erase_setting(*settings, words[1].text);
  return true;
}

bool CandidateConfig::on_delete(const std::vector<Word>& words, std::string* error) {
  if (!cursor_) return fail(error, "'delete' outside a 'config' block");
  if (spec_of(cursor_->block).shape == BlockShape::Settings) {
    return fail(error, block_label() + " is a settings block: 'delete' removes entries of a table block");
  }
  Block& block = tree_.blocks[cursor_->block];
  if (cursor_->entry) {
    return fail(error, "'delete' inside entry " + in_quotes(block.entries[*cursor_->entry].name.text) + " of " +
                           block_label() + ": 'next' first");
  }
  if (words.size() != 2) return fail(error, "'delete' wants exactly one name");
  const std::string& name = words[1].text;
  if (find_entry(block, name) == nullptr) {
    std::vector<std::string_view> names;
    for (const TableEntry& entry : block.entries) names.push_back(entry.name.text);
    return fail(error, "no entry " + in_quotes(name) + " in " + block_label() + config::did_you_mean(name, names));
  }
  std::erase_if(block.entries, [&](const TableEntry& entry) { return entry.name.text == name; });
  return true;
}

bool CandidateConfig::on_next(const std::vector<Word>& words, std::string* error) {
  if (!cursor_ || !cursor_->entry) return fail(error, "'next' outside 'edit': no entry is open");
  if (words.size() > 1) return fail(error, "'next' takes no arguments");
  cursor_->entry.reset();
  return true;
}

// As in FortiOS, 'end' inside an entry closes the entry too.
bool CandidateConfig::on_end(const std::vector<Word>& words, std::string* error) {
  if (!cursor_) return fail(error, "'end' at top level: no 'config' block is open");
  if (words.size() > 1) return fail(error, "'end' takes no arguments");
  cursor_.reset();
  return true;
}

bool CandidateConfig::on_abort(const std::vector<Word>& words, std::string* error) {
  if (!cursor_) return fail(error, "'abort' outside a 'config' block");
  if (words.size() > 1) return fail(error, "'abort' takes no arguments");
  tree_.blocks[cursor_->block] = std::move(cursor_->saved);
  cursor_.reset();
  return true;
}

std::string CandidateConfig::context() const {
  if (!cursor_) return "";
  std::string where(spec_of(cursor_->block).path);
  if (cursor_->entry) where += "/" + tree_.blocks[cursor_->block].entries[*cursor_->entry].name.text;
  return where;
}

std::vector<std::string> CandidateConfig::completions(std::string_view partial_line) const {
  config::ErrorList ignored("cli");  // an unterminated quote still gives the word typed so far
  const config::LexedText lexed = config::lex(partial_line.substr(0, partial_line.find('\n')), ignored);
  const std::vector<Word> words = lexed.statements.empty() ? std::vector<Word>{} : lexed.statements.front();
  const bool new_word =
      words.empty() || partial_line.empty() || partial_line.back() == ' ' || partial_line.back() == '\t';
  const size_t position = new_word ? words.size() : words.size() - 1;
  const std::string prefix = new_word ? "" : words.back().text;
  if (position == 0) return with_prefix({kStatements.begin(), kStatements.end()}, prefix);

  const std::string& command = words.front().text;
  std::vector<std::string> candidates;
  if (command == "config") {
    // Block paths are several words: offer the next word of every path that matches so far.
    for (std::string_view path : config::block_paths()) {
      const std::vector<Word> path_parts = path_words(path);
      if (path_parts.size() < position) continue;
      bool same = true;
      for (size_t i = 1; i < position && same; ++i) same = path_parts[i - 1].text == words[i].text;
      if (same) candidates.push_back(path_parts[position - 1].text);
    }
    return with_prefix(candidates, prefix);
  }
  if (!cursor_) return {};
  const BlockSpec& spec = spec_of(cursor_->block);
  if ((command == "set" || command == "unset") && position == 1) {
    for (std::string_view key : config::key_names(spec)) candidates.emplace_back(key);
  } else if (command == "set" && position == 2) {
    const KeySpec* key = config::find_key(spec, words[1].text);
    if (key != nullptr) {
      for (std::string_view word : config::enum_words(*key)) candidates.emplace_back(word);
    }
  } else if ((command == "edit" || command == "delete") && position == 1 && spec.shape == BlockShape::Table) {
    for (const TableEntry& entry : tree_.blocks[cursor_->block].entries) candidates.push_back(entry.name.text);
  }
  return with_prefix(candidates, prefix);
}

Policy CandidateConfig::bind_without_file_checks() const { return bind_tree(tree_, base_dir_); }

std::string CandidateConfig::text() const { return config::write_config(bind_without_file_checks()); }

std::string CandidateConfig::diff() const { return diff_config_text(running_, text()); }

bool CandidateConfig::dirty() const { return text() != running_; }

Validation CandidateConfig::validate() const {
  const TreeText printed = print_tree(tree_);
  LoadResult loaded = load_config_text(printed.text, "candidate", base_dir_);
  Validation result;
  result.ok = loaded.ok();
  result.policy = std::move(loaded.policy);
  for (const ConfigError& problem : loaded.errors) {
    const bool placed = problem.line >= 1 && problem.line <= printed.where.size();
    result.errors.push_back(placed ? printed.where[problem.line - 1] + ": " + problem.message : problem.message);
  }
  return result;
}

}  // namespace sluice::control::edit
