// control/cli/wire_client.h — sluicectl's end of one control-socket connection.
//
// Owns: the connected Unix socket, the bytes read past the last response, and turning a request into output
// lines and one Outcome. Sends "stop" when asked to end a streaming command (a byte on stop_fd: sluicectl's
// SIGINT handler writes one), and gives up on the connection when asked a second time.
// May call: control/cli/wire_protocol.h, POSIX sockets.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sluice::control::cli {

class WireClient {
 public:
  // A response line longer than this is a broken daemon, not output: the connection is dropped.
  static constexpr size_t kMaxResponseLineBytes = 1 << 20;

  struct Outcome {
    enum class Status {
      Ok,         // "= ok": context is the edit cursor now ("" = top level)
      Error,      // "= error": message is the daemon's
      Lost,       // the connection broke or the daemon broke the protocol: message says which
      Abandoned,  // interrupted twice: the client stopped waiting and closed the connection
    };
    Status status = Status::Lost;
    std::string message;
    std::string context;
  };

  WireClient() = default;
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;
  ~WireClient();

  // On failure *error names the path and errno text, and says what usually causes it.
  bool connect(const std::string& socket_path, std::string* error);
  bool connected() const { return fd_ >= 0; }
  void close();

  // Sends line (request_problem(line) must be ""), calls on_line for each output line as it arrives, and
  // returns at the terminator. stop_fd (-1 = none): readable means "the operator wants this to end": the
  // first time "stop" is sent, the second time the connection is closed and Abandoned returned. The caller
  // drains stop_fd. Lost and Abandoned leave the client closed.
  Outcome run(std::string_view line, const std::function<void(std::string_view)>& on_line, int stop_fd = -1);

 private:
  bool send_all(std::string_view bytes, std::string* error);
  Outcome lost(std::string message);

  int fd_ = -1;
  std::string path_;
  std::string buffer_;  // received, not yet parsed
};

}  // namespace sluice::control::cli
