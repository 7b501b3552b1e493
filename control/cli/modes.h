// control/cli/modes.h — sluicectl's three ways of running: one command, a script, an interactive shell.
//
// Owns: each mode's loop and its exit status: 0 every command succeeded, 1 a command failed, 2 a usage or
// connection problem. One-shot and script modes print nothing but command output (errors on stderr).
// May call: control/cli/session.h, control/cli/cli_options.h; interactive mode also libedit.
#pragma once

#include "control/cli/cli_options.h"

namespace sluice::control::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

int run_one_shot(const Options& options, int stop_fd);
int run_script(const Options& options, int stop_fd);
int run_interactive(const Options& options, int stop_fd);

}  // namespace sluice::control::cli
