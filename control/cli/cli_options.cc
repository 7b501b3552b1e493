// control/cli/cli_options.cc — argv to Options.
#include "control/cli/cli_options.h"

#include <cstdlib>
#include <string_view>

#include "control/cli/wire_protocol.h"

namespace sluice::control::cli {

bool parse_options(int argc, char** argv, Options* options, std::string* error) {
  const char* from_environment = std::getenv(std::string(kSocketEnvironment).c_str());
  options->socket = from_environment != nullptr && *from_environment != '\0' ? from_environment
                                                                             : std::string(kDefaultSocket);
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "-h" || arg == "--help") {
      options->usage = true;
    } else if (arg == "-k") {
      options->keep_going = true;
    } else if (arg == "-s" || arg == "-f") {
      if (i + 1 >= argc) {
        *error = "option " + std::string(arg) + " needs an argument";
        return false;
      }
      (arg == "-s" ? options->socket : options->script) = argv[++i];
    } else if (arg.size() > 1 && arg[0] == '-') {
      *error = "unknown option '" + std::string(arg) + "'";
      return false;
    } else {
      break;
    }
  }
  for (; i < argc; ++i) options->command.emplace_back(argv[i]);
  if (!options->script.empty() && !options->command.empty()) {
    *error = "-f runs a script; it takes no command words";
    return false;
  }
  return true;
}

std::string usage_text() {
  return "usage: sluicectl [-s SOCKET] COMMAND...     run one command\n"
         "       sluicectl [-s SOCKET] [-k] -f FILE   run a script (one command a line; - = stdin)\n"
         "       sluicectl [-s SOCKET] [-k] < FILE    the same, when stdin is not a terminal\n"
         "       sluicectl [-s SOCKET]                interactive shell (history, TAB completion)\n"
         "       sluicectl help [WORD...]             the commands (no daemon needed)\n"
         "\n"
         "  -s SOCKET  the daemon's control socket (default $" +
         std::string(kSocketEnvironment) + ", else " + std::string(kDefaultSocket) +
         ")\n"
         "  -f FILE    script mode; blank lines and # comments are skipped; stops at the first error\n"
         "  -k         script mode: keep going after a failed command (exit status 1 at the end)\n"
         "  -h, --help this text\n"
         "\n"
         "Exit status: 0 the command(s) succeeded, 1 a command failed, 2 usage or connection problem.\n"
         "See docs/cli.md.\n";
}

}  // namespace sluice::control::cli
