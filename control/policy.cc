// control/policy.cc — the load entry points: read, lex, parse, bind, check across blocks.
#include "control/policy.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/config/binder.h"
#include "control/config/cross_checks.h"
#include "control/config/diagnostics.h"
#include "control/config/lexer.h"
#include "control/config/parser.h"

namespace sluice::control {

const char* action_name(Action action) {
  switch (action) {
    case Action::Pass: return "pass";
    case Action::Tag: return "tag";
    case Action::Quarantine: return "quarantine";
    case Action::Tempfail: return "tempfail";
    case Action::Reject: return "reject";
  }
  return "unknown";
}

std::string ConfigError::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult load_config_text(std::string_view text, const std::string& file_name, const std::string& base_dir) {
  config::ErrorList errors(file_name);
  LoadResult result;
  // Binding runs even after syntax errors: the parser keeps what it could, so
  // one load reports the unknown keys and bad values of the rest of the file too.
  const config::ConfigTree tree = config::parse(config::lex(text, errors), errors);
  config::bind(tree, base_dir, result.policy, errors);
  // Rules between blocks (a VIP's ssl-profile, a profile's certificate) read
  // the bound values, so they run last; values already refused are not blamed twice.
  config::check_cross_references(tree, result.policy, errors);
  result.errors = errors.take();
  // Lexing and parsing finish before binding starts; reading top to bottom is
  // what an administrator fixing the file wants.
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return result;
}

namespace {

LoadResult unreadable(const std::string& path, const std::string& reason) {
  LoadResult result;
  result.errors.push_back(ConfigError{path, 0, 0, "cannot read configuration file: " + reason});
  return result;
}

}  // namespace

LoadResult load_config_file(const std::string& path) {
  // Opening a directory succeeds on Linux and reads as empty: catch it first so
  // a wrong path does not load as an empty (all-defaults) configuration.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) return unreadable(path, "is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(path, std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  return load_config_text(contents.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace sluice::control
