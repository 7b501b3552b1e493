// control/config/parser.cc — the block grammar as a three-state machine:
// at top level, inside a config block, inside an edit entry.
#include "control/config/parser.h"

#include <array>
#include <optional>
#include <string>

namespace sluice::control::config {

namespace {

constexpr std::array<std::string_view, 6> kCommands = {"config", "edit", "set", "unset", "next", "end"};

std::string opened_at(SourcePosition at) {
  return std::to_string(at.line) + ":" + std::to_string(at.column);
}

class Parser {
 public:
  explicit Parser(ErrorList& errors) : errors_(errors) {}

  ConfigTree run(const LexedText& lexed) {
    for (const std::vector<Word>& statement : lexed.statements) {
      if (errors_.full()) return std::move(tree_);
      dispatch(statement);
    }
    close_at_end_of_text(lexed.end_of_text);
    return std::move(tree_);
  }

 private:
  void dispatch(const std::vector<Word>& statement) {
    const Word& command = statement.front();
    const std::string& name = command.text;
    if (name == "config") return on_config(statement);
    if (name == "edit") return on_edit(statement);
    if (name == "set" || name == "unset") return on_setting(statement);
    if (name == "next") return on_next(statement);
    if (name == "end") return on_end(statement);
    errors_.add(command.at, "unknown command '" + name + "' (expected config, edit, set, unset, next or end)" +
                                did_you_mean(name, kCommands));
  }

  void on_config(const std::vector<Word>& statement) {
    const Word& command = statement.front();
    if (block_) {
      // Nested blocks do not exist in this language: the likelier story is a
      // forgotten 'end', so close what is open and start the new block.
      errors_.add(command.at, "expected 'end' before 'config' (block opened at " + opened_at(block_->at) + ")");
      close_block();
    }
    if (statement.size() < 2) {
      errors_.add(command.at, "'config' wants a block name, e.g. 'config mime limits'");
      return;
    }
    block_ = Block{{statement.begin() + 1, statement.end()}, command.at, {}, {}};
  }

  void on_edit(const std::vector<Word>& statement) {
    const Word& command = statement.front();
    if (!block_) {
      errors_.add(command.at, "'edit' outside a 'config' block");
      return;
    }
    if (entry_) {
      errors_.add(command.at, "expected 'next' before 'edit' (entry opened at " + opened_at(entry_->at) + ")");
      close_entry();
    }
    if (statement.size() != 2) {
      const SourcePosition at = statement.size() > 2 ? statement[2].at : command.at;
      errors_.add(at, "'edit' wants exactly one name");
      return;
    }
    entry_ = TableEntry{statement[1], command.at, {}};
  }

  void on_setting(const std::vector<Word>& statement) {
    const Word& command = statement.front();
    if (!block_) {
      errors_.add(command.at, "'" + command.text + "' outside a 'config' block");
      return;
    }
    if (statement.size() < 2) {
      errors_.add(command.at, "'" + command.text + "' wants a setting name");
      return;
    }
    Setting setting{statement[1], {}, command.text == "unset", command.at};
    if (setting.is_unset && statement.size() > 2) {
      errors_.add(statement[2].at, "'unset' takes only a setting name");
      return;
    }
    if (!setting.is_unset && statement.size() < 3) {
      errors_.add(statement[1].at, "'set " + setting.key.text + "' wants a value (use 'unset' to restore the default)");
      return;
    }
    setting.values.assign(statement.begin() + 2, statement.end());
    (entry_ ? entry_->settings : block_->settings).push_back(std::move(setting));
  }

  void on_next(const std::vector<Word>& statement) {
    const Word& command = statement.front();
    if (!entry_) {
      errors_.add(command.at, "'next' without an open 'edit'");
      return;
    }
    if (statement.size() > 1) errors_.add(statement[1].at, "'next' takes no arguments");
    close_entry();
  }

  void on_end(const std::vector<Word>& statement) {
    const Word& command = statement.front();
    if (!block_) {
      errors_.add(command.at, "'end' without an open 'config' block");
      return;
    }
    if (entry_) {
      errors_.add(command.at, "expected 'next' before 'end' (entry opened at " + opened_at(entry_->at) + ")");
      close_entry();
    }
    if (statement.size() > 1) errors_.add(statement[1].at, "'end' takes no arguments");
    close_block();
  }

  void close_at_end_of_text(SourcePosition end) {
    if (entry_) {
      errors_.add(end, "expected 'next' before end of file (entry opened at " + opened_at(entry_->at) + ")");
      close_entry();
    }
    if (block_) {
      errors_.add(end, "expected 'end' before end of file (block opened at " + opened_at(block_->at) + ")");
      close_block();
    }
  }

  void close_entry() {
    block_->entries.push_back(std::move(*entry_));
    entry_.reset();
  }

  void close_block() {
    if (entry_) close_entry();
    tree_.blocks.push_back(std::move(*block_));
    block_.reset();
  }

  ErrorList& errors_;
  ConfigTree tree_;
  std::optional<Block> block_;
  std::optional<TableEntry> entry_;
};

}  // namespace

ConfigTree parse(const LexedText& lexed, ErrorList& errors) { return Parser(errors).run(lexed); }

}  // namespace sluice::control::config
