// control/cli/sluicectl.cc — sluicectl: the operator's client for the daemon's control socket.
//
// Picks the mode (docs/cli.md): `help`/`--help` answered here; command words = one-shot; -f or a
// non-terminal stdin = script; otherwise the interactive shell.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "control/cli/cli_options.h"
#include "control/cli/interrupt.h"
#include "control/cli/modes.h"

using namespace sluice::control::cli;

int main(int argc, char** argv) {
  Options options;
  std::string error;
  if (!parse_options(argc, argv, &options, &error)) {
    std::fprintf(stderr, "sluicectl: %s\n%s", error.c_str(), usage_text().c_str());
    return kExitUsage;
  }
  if (options.usage) {
    std::fputs(usage_text().c_str(), stdout);
    return kExitOk;
  }
  InterruptPipe interrupt;
  if (!interrupt.install(&error)) {
    std::fprintf(stderr, "sluicectl: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!options.command.empty()) return run_one_shot(options, interrupt.read_fd());
  if (!options.script.empty() || isatty(STDIN_FILENO) == 0) return run_script(options, interrupt.read_fd());
  return run_interactive(options, interrupt.read_fd());
}
