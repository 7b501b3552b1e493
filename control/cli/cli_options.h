// control/cli/cli_options.h — sluicectl's command line: which socket, which mode, which command.
//
// Owns: parsing argv into Options and the usage text. Options come before the command; the first word that
// is not an option starts the command (so `sluicectl show log lines 5` needs no "--").
// May call: control/cli/wire_protocol.h (default socket, environment variable name).
#pragma once

#include <string>
#include <vector>

namespace sluice::control::cli {

struct Options {
  std::string socket;                 // -s, else $SLUICECTL_SOCKET, else kDefaultSocket
  std::string script;                 // -f FILE ("-" = stdin); "" = none
  bool keep_going = false;            // -k: a script goes on after a failed command
  bool usage = false;                 // -h / --help
  std::vector<std::string> command;   // one-shot command words; empty = script or interactive
};

// False with *error set on a usage problem (unknown option, missing argument, -f with a command).
bool parse_options(int argc, char** argv, Options* options, std::string* error);

std::string usage_text();

}  // namespace sluice::control::cli
