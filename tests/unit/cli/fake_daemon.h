// tests/unit/cli/fake_daemon.h — a Unix-socket server thread speaking the control protocol, for client tests.
//
// Owns: a listening socket in a fresh temporary directory, one thread that serves connections one after
// another, and the record of which lines arrived on which connection. It stands in for the daemon only to pin
// sluicectl's framing; what a command does is the test's handler. The real daemon has its own tests.
// May call: POSIX sockets and threads.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sluice::control::cli::testing {

// The server's side of one accepted connection, as the handler sees it.
class FakeConnection {
 public:
  explicit FakeConnection(int fd) : fd_(fd) {}
  void send(const std::string& bytes);
  // Ends the connection from the daemon's side (both directions), as a crashing daemon would.
  void hang_up();
  // The next request line (without "\n"), or nullopt at end of connection or after the timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int fd_;
  std::string buffer_;
};

class FakeDaemon {
 public:
  // Called for each request line; writes the response through the connection (may read more, e.g. "stop").
  using Handler = std::function<void(FakeConnection&, const std::string& line)>;

  explicit FakeDaemon(Handler handler);
  ~FakeDaemon();
  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;

  const std::string& socket_path() const { return socket_path_; }
  // Every line received, per connection in accept order. Safe to call while serving.
  std::vector<std::vector<std::string>> connections() const;

 private:
  void serve();

  Handler handler_;
  std::string directory_;
  std::string socket_path_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // written by the destructor to end serve()
  mutable std::mutex mutex_;
  std::vector<std::vector<std::string>> connections_;
  std::thread thread_;
};

}  // namespace sluice::control::cli::testing
