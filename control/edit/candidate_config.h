// control/edit/candidate_config.h — one CLI connection's candidate configuration and its edit cursor.
//
// Owns: the candidate as a syntax tree (one block per path, one entry per name, one statement per key),
// the cursor (`config` block, `edit` entry) that FortiOS-style statements move, the copy of a block that
// `abort` restores, and the rephrasing of load errors so that they name block, entry and key rather
// than lines of a text the administrator never saw.
// May call: control/policy.h, control/config/* (lexer, parser, schema, value conversion, binder, writer),
// control/edit/config_diff.h.
//
// Values are checked when they are `set` (the key's own reader: addresses, ranges, enum words); rules
// that span keys or blocks, required keys and files that must be readable are the loader's and are
// checked by validate(), so a certificate may be named before it is copied into place.
// Not thread-safe: one instance belongs to one CLI connection on the control thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/syntax_tree.h"
#include "control/policy.h"

namespace sluice::control::edit {

struct Validation {
  bool ok = false;
  Policy policy;                    // what the candidate binds to (meaningful only when ok)
  std::vector<std::string> errors;  // "<block>[/<entry>]: <message>", in candidate order
};

class CandidateConfig {
 public:
  // running_text: the running configuration as config text (config::write_config of the running Policy).
  // base_dir: where relative paths resolve.
  CandidateConfig(std::string running_text, std::string base_dir);

  // One CLI statement: `config <block words...>`, `edit <name>`, `set <key> <values...>`, `unset <key>`,
  // `delete <name>`, `next`, `end`, `abort`. Quoting as the configuration language. On error returns
  // false with *error set and leaves the candidate (and the cursor) unchanged.
  bool apply(std::string_view statement, std::string* error);

  // True for the words apply() takes as a statement's first word.
  static bool is_statement(std::string_view first_word);

  // The cursor for the prompt: "" at top level, "firewall vip" in a block, "firewall vip/mail-in" in an entry.
  std::string context() const;

  // Words that may come next in partial_line (its last word, when not followed by a blank, is a prefix
  // to complete): statements, block names after `config`, keys after `set`/`unset`, accepted words after
  // `set <key>`, entry names after `edit`/`delete`.
  std::vector<std::string> completions(std::string_view partial_line) const;

  std::string text() const;  // the candidate as full configuration text (write_config form)
  // Changes against running: "-"/"+" lines with the enclosing `config`/`edit` lines (prefixed " ") as
  // context; "" when nothing changed.
  std::string diff() const;
  bool dirty() const;
  Validation validate() const;  // the loader's full bind, cross checks and file checks
  void reset(std::string running_text);  // after a commit or `discard`: candidate = running, cursor at top

 private:
  struct Cursor {
    size_t block = 0;
    std::optional<size_t> entry;
    // The block as it was at `config`, for `abort`.
    config::Block saved;
  };

  bool on_config(const std::vector<config::Word>& words, std::string* error);
  bool on_edit(const std::vector<config::Word>& words, std::string* error);
  bool on_set(const std::vector<config::Word>& words, std::string* error);
  bool on_unset(const std::vector<config::Word>& words, std::string* error);
  bool on_delete(const std::vector<config::Word>& words, std::string* error);
  bool on_next(const std::vector<config::Word>& words, std::string* error);
  bool on_end(const std::vector<config::Word>& words, std::string* error);
  bool on_abort(const std::vector<config::Word>& words, std::string* error);

  // The settings a `set`/`unset` acts on, or nullptr with *error set.
  std::vector<config::Setting>* settings_at_cursor(std::string_view command, std::string* error);
  std::string block_label() const;  // "'config firewall vip'"
  Policy bind_without_file_checks() const;

  std::string base_dir_;
  std::string running_;  // running configuration in write_config form
  config::ConfigTree tree_;
  std::optional<Cursor> cursor_;
};

}  // namespace sluice::control::edit
