// control/cli/session.h — one sluicectl session: local commands here, the rest over one connection.
//
// Owns: the WireClient of the session (connected on first need), the edit context the daemon last reported,
// and the split between commands sluicectl answers itself (help, exit, quit: the "Shell" group) and those it
// forwards. One-shot, script and interactive modes (control/cli/modes.h) all run lines through it, so they
// cannot disagree about what is local or how an error is printed.
// May call: control/cli/wire_client.h, control/cli/wire_protocol.h, control/cli/command_table.h.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "control/cli/wire_client.h"

namespace sluice::control::cli {

enum class LineResult {
  Ok,         // done (a local command, or "= ok")
  Failed,     // the daemon said "= error", or local help found nothing: the message is printed
  Invalid,    // the line cannot be sent (too long, not UTF-8): the message is printed
  Lost,       // no connection, or it broke: the message is printed; the next line reconnects
  Exit,       // exit / quit
};

class Session {
 public:
  // out: command output; err: messages, each prefixed by what run_line's caller passes.
  Session(std::string socket_path, std::FILE* out, std::FILE* err, int stop_fd)
      : socket_path_(std::move(socket_path)), out_(out), err_(err), stop_fd_(stop_fd) {}

  // Connects now (interactive mode wants to fail before the first prompt). *error as WireClient::connect.
  bool connect(std::string* error);

  // Runs one command line. Error messages go to err as "<prefix><message>\n".
  LineResult run_line(std::string_view line, std::string_view error_prefix);

  // The edit cursor the daemon reported after the last successful command ("" = top level).
  const std::string& context() const { return context_; }

 private:
  std::string socket_path_;
  std::FILE* out_;
  std::FILE* err_;
  int stop_fd_;
  WireClient client_;
  std::string context_;
};

}  // namespace sluice::control::cli
