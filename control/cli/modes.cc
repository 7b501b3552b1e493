// control/cli/modes.cc — one-shot and script modes (interactive mode is in interactive.cc).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "control/cli/modes.h"
#include "control/cli/session.h"
#include "control/cli/wire_protocol.h"

namespace sluice::control::cli {

int run_one_shot(const Options& options, int stop_fd) {
  Session session(options.socket, stdout, stderr, stop_fd);
  switch (session.run_line(join_words(options.command), "sluicectl: ")) {
    case LineResult::Ok:
    case LineResult::Exit:
      return kExitOk;
    case LineResult::Failed:
      return kExitFailed;
    case LineResult::Invalid:
    case LineResult::Lost:
      return kExitUsage;
  }
  return kExitUsage;
}

int run_script(const Options& options, int stop_fd) {
  const bool from_stdin = options.script.empty() || options.script == "-";
  const std::string name = from_stdin ? "<stdin>" : options.script;
  std::ifstream file;
  if (!from_stdin) {
    file.open(options.script);
    if (!file) {
      std::perror(("sluicectl: cannot read " + options.script).c_str());
      return kExitUsage;
    }
  }
  std::istream& in = from_stdin ? std::cin : file;

  Session session(options.socket, stdout, stderr, stop_fd);
  int status = kExitOk;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::string prefix = "sluicectl: " + name + ":" + std::to_string(number) + ": ";
    switch (session.run_line(line, prefix)) {
      case LineResult::Ok:
        break;
      case LineResult::Exit:
        return status;
      case LineResult::Failed:
      case LineResult::Invalid:
        status = kExitFailed;
        if (!options.keep_going) return status;
        break;
      case LineResult::Lost:
        // The daemon kept this script's candidate and cursor per connection: later lines would run in a
        // different session, so -k does not apply.
        return kExitUsage;
    }
  }
  return status;
}

}  // namespace sluice::control::cli
