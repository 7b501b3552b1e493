// tests/unit/cli/run_sluicectl.h — runs the built sluicectl as a child process and collects what it did.
//
// Owns: fork/exec of the binary meson built (SLUICECTL_PATH), its stdin (a given text through a pipe, or
// /dev/null), stdout and stderr captured, and an optional SIGINT sent once stdout shows a given text — how
// the tests press Ctrl-C. A child that outlives kRunTimeout is killed and the run reported as timed out.
// May call: POSIX processes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::control::cli::testing {

inline constexpr std::chrono::seconds kRunTimeout{20};

struct RunResult {
  int exit_status = -1;  // -1: did not exit normally (signal or timeout)
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct RunOptions {
  std::optional<std::string> stdin_text;     // nullopt = /dev/null
  std::vector<std::string> environment;      // extra NAME=value entries
  std::string interrupt_when_stdout_has;     // "" = never send SIGINT
};

RunResult run_sluicectl(const std::vector<std::string>& args, const RunOptions& options = {});

}  // namespace sluice::control::cli::testing
