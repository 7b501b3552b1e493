// control/plane/cli_connection.h — one sluicectl connection as the control thread holds it.
//
// Owns: the connection's socket, its unread input and unsent output, its candidate configuration (created on
// the first configuration command), who is connected (from SO_PEERCRED) and what it is streaming, if anything.
// The wire protocol (docs/cli.md): a request is one line; the answer is "+ <text>" lines, then "= ok [context]"
// or "= error <message>". A streaming command keeps sending "+" lines until it ends or the client sends "stop".
// May call: control/edit (CandidateConfig).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "control/edit/candidate_config.h"

namespace sluice::control::plane {

enum class Streaming : uint8_t { None, Trace, LogFollow };

struct CliConnection {
  int fd = -1;
  std::string user = "?";                 // user name of the peer (SO_PEERCRED)
  std::string input;                      // bytes received, not yet a whole line
  std::string output;                     // bytes to send
  std::unique_ptr<edit::CandidateConfig> candidate;
  uint64_t candidate_base = 0;            // the running version the candidate was made from
  Streaming streaming = Streaming::None;
  off_t log_offset = 0;                   // show log follow: next byte of the log file to send
  uint64_t streamed_lines = 0;
  bool closing = false;                   // close once output is sent

  void line(std::string_view text) {
    output += "+ ";
    output += text;
    output += '\n';
  }
  // Several lines at once (split on '\n'; a final newline adds no empty line).
  void lines(std::string_view text) {
    while (!text.empty()) {
      const size_t nl = text.find('\n');
      line(text.substr(0, nl));
      if (nl == std::string_view::npos) break;
      text.remove_prefix(nl + 1);
    }
  }
  void ok(std::string_view context = {}) {
    output += "= ok";
    if (!context.empty()) {
      output += " [";
      output += context;
      output += ']';
    }
    output += '\n';
  }
  void error(std::string_view message) {
    output += "= error ";
    // One line: a multi-line message keeps its first line here; callers print the rest as "+" lines first.
    output += message.substr(0, message.find('\n'));
    output += '\n';
  }
};

}  // namespace sluice::control::plane
