// control/config/syntax_tree.h — what the generic parser produces.
//
// Owns: the shape-only view of a configuration file: blocks, their direct
// settings, their table entries, each word with the place it was written.
// Nothing here knows which blocks or keys exist; control/config/binder.h
// gives the tree meaning. Depends on nothing but the standard library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::control::config {

// 1-based line and column (in bytes) of a token's first character.
struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

// One word as written, quotes and escapes already removed.
struct Word {
  std::string text;
  SourcePosition at;
};

// "set <key> <values...>" or "unset <key>" (values empty).
struct Setting {
  Word key;
  std::vector<Word> values;
  bool is_unset = false;
  SourcePosition at;  // of the 'set' / 'unset' keyword
};

// edit "<name>" ... next
struct TableEntry {
  Word name;
  SourcePosition at;  // of the 'edit' keyword
  std::vector<Setting> settings;
};

// config <path...> ... end. A well-formed block has settings or entries, not
// both; the parser records whatever it saw and the binder judges the mix.
struct Block {
  std::vector<Word> path;
  SourcePosition at;  // of the 'config' keyword
  std::vector<Setting> settings;
  std::vector<TableEntry> entries;
};

struct ConfigTree {
  std::vector<Block> blocks;
};

}  // namespace sluice::control::config
