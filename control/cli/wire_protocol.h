// control/cli/wire_protocol.h — the line protocol between sluicectl and the daemon's control socket.
//
// Owns: the framing both ends speak, so that neither spells it by hand:
//   request   one command line, UTF-8, kMaxRequestBytes at most including its "\n";
//   response  zero or more "+ <text>\n" output lines, then one terminator: "= ok\n", "= ok [context]\n"
//             (the edit cursor is now at context; absent = top level) or "= error <message>\n".
//   streaming commands send "+" lines until done or until the client sends the control line "stop\n"
//             (kStopLine), then "= ok". A "stop" that arrives after the command already ended crosses the
//             terminator on the wire, so the daemon must drop a "stop" received between commands silently.
// No greeting; exit/quit never reach the daemon (sluicectl closes the socket).
// May call: the C++ standard library only.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sluice::control::cli {

inline constexpr size_t kMaxRequestBytes = 4096;       // one request line, its "\n" included
inline constexpr std::string_view kStopLine = "stop";  // ends a streaming command early
inline constexpr std::string_view kDefaultSocket = "/run/sluice/sluice.sock";
inline constexpr std::string_view kSocketEnvironment = "SLUICECTL_SOCKET";

// ---- requests ----

// A word as the configuration language reads it back: bare when it can be, else "quoted" with \" and \\.
std::string quote_word(std::string_view word);

// Command-line arguments joined into one request line (sluicectl's one-shot mode): each quoted as needed,
// so `sluicectl set comment "two words"` reaches the daemon as one value.
std::string join_words(std::span<const std::string> words);

// "" when line may be sent as a request (without its "\n"), else why not: a line break or NUL inside,
// invalid UTF-8, or longer than kMaxRequestBytes - 1.
std::string request_problem(std::string_view line);

// ---- responses ----

struct ResponseLine {
  enum class Kind { Output, Ok, Error, Malformed };
  Kind kind = Kind::Malformed;
  std::string_view text;  // Output: the text; Ok: the context ("" = top level); Error: the message;
                          // Malformed: the whole line
};

// One response line without its "\n" (a trailing "\r" is tolerated and dropped).
ResponseLine parse_response_line(std::string_view line);

// The daemon's side. append_output: "+ <line>\n" for every line of text (split at "\n"; "" gives one empty
// line; a final "\n" ends the last line rather than adding an empty one). append_ok: "= ok\n" or
// "= ok [context]\n". append_error: "= error <message>\n" (line breaks in message become spaces).
void append_output(std::string& out, std::string_view text);
void append_ok(std::string& out, std::string_view context = {});
void append_error(std::string& out, std::string_view message);

}  // namespace sluice::control::cli
