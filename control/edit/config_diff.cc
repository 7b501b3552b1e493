// control/edit/config_diff.cc — block- and entry-aware line diff of two write_config texts.
#include "control/edit/config_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sluice::control::edit {

namespace {

struct EntryLines {
  std::string edit_line;  // "    edit <name>": the entry's identity
  std::vector<std::string> lines;
};

struct BlockLines {
  std::string config_line;  // "config <path>": the block's identity
  std::vector<std::string> lines;  // settings directly in the block
  std::vector<EntryLines> entries;
};

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t newline = text.find('\n', start);
    const size_t stop = newline == std::string_view::npos ? text.size() : newline;
    lines.emplace_back(text.substr(start, stop - start));
    start = stop + 1;
  }
  return lines;
}

// write_config's shape: "config" at column 1, "edit"/"next" indented once, settings below them.
std::vector<BlockLines> read_blocks(std::string_view text) {
  std::vector<BlockLines> blocks;
  bool in_entry = false;
  for (const std::string& line : split_lines(text)) {
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos) continue;
    const std::string_view word = std::string_view(line).substr(indent);
    if (indent == 0 && word.starts_with("config ")) {
      blocks.push_back({line, {}, {}});
      in_entry = false;
    } else if (blocks.empty() || (indent == 0 && word == "end")) {
      in_entry = false;
    } else if (word.starts_with("edit ") || word == "edit") {
      blocks.back().entries.push_back({line, {}});
      in_entry = true;
    } else if (word == "next") {
      in_entry = false;
    } else if (in_entry) {
      blocks.back().entries.back().lines.push_back(line);
    } else {
      blocks.back().lines.push_back(line);
    }
  }
  return blocks;
}

// Longest-common-subsequence diff; removals come before additions within a change.
void diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b, std::string& out) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<uint32_t>> common(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i, ++j;
    } else if (j == m || (i < n && common[i + 1][j] >= common[i][j + 1])) {
      out += "-" + a[i++] + "\n";
    } else {
      out += "+" + b[j++] + "\n";
    }
  }
}

void print_entry(char sign, const EntryLines& entry, std::string& out) {
  out += sign + entry.edit_line + "\n";
  for (const std::string& line : entry.lines) out += sign + line + "\n";
  out += std::string(1, sign) + "    next\n";
}

void print_block(char sign, const BlockLines& block, std::string& out) {
  out += sign + block.config_line + "\n";
  for (const std::string& line : block.lines) out += sign + line + "\n";
  for (const EntryLines& entry : block.entries) print_entry(sign, entry, out);
  out += std::string(1, sign) + "end\n";
}

template <class T>
const T* find_by(const std::vector<T>& items, std::string T::*key, const std::string& value) {
  for (const T& item : items) {
    if (item.*key == value) return &item;
  }
  return nullptr;
}

// The changes inside one block present on both sides; "" when there are none.
std::string diff_block(const BlockLines& before, const BlockLines& after) {
  std::string body;
  diff_lines(before.lines, after.lines, body);
  for (const EntryLines& old_entry : before.entries) {
    const EntryLines* new_entry = find_by(after.entries, &EntryLines::edit_line, old_entry.edit_line);
    if (new_entry == nullptr) {
      print_entry('-', old_entry, body);
      continue;
    }
    std::string changes;
    diff_lines(old_entry.lines, new_entry->lines, changes);
    if (!changes.empty()) body += " " + old_entry.edit_line + "\n" + changes + "     next\n";
  }
  for (const EntryLines& new_entry : after.entries) {
    if (find_by(before.entries, &EntryLines::edit_line, new_entry.edit_line) == nullptr) {
      print_entry('+', new_entry, body);
    }
  }
  if (body.empty()) return body;
  return " " + after.config_line + "\n" + body + " end\n";
}

}  // namespace

std::string diff_config_text(std::string_view before, std::string_view after) {
  const std::vector<BlockLines> old_blocks = read_blocks(before);
  const std::vector<BlockLines> new_blocks = read_blocks(after);
  std::string out;
  for (const BlockLines& old_block : old_blocks) {
    if (find_by(new_blocks, &BlockLines::config_line, old_block.config_line) == nullptr) {
      print_block('-', old_block, out);
    }
  }
  for (const BlockLines& new_block : new_blocks) {
    const BlockLines* old_block = find_by(old_blocks, &BlockLines::config_line, new_block.config_line);
    if (old_block == nullptr) {
      print_block('+', new_block, out);
    } else {
      out += diff_block(*old_block, new_block);
    }
  }
  return out;
}

}  // namespace sluice::control::edit
