// tests/unit/cli/fake_daemon.cc — accept, read lines, call the handler; stop when the test ends.
#include "tests/unit/cli/fake_daemon.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace sluice::control::cli::testing {

void FakeConnection::send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t sent = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (sent <= 0) return;  // the client went away: the test's assertions will say so
    done += static_cast<size_t>(sent);
  }
}

void FakeConnection::hang_up() { ::shutdown(fd_, SHUT_RDWR); }

std::optional<std::string> FakeConnection::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (got <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

FakeDaemon::FakeDaemon(Handler handler) : handler_(std::move(handler)) {
  char directory[] = "/tmp/sluice-cli-test-XXXXXX";
  if (::mkdtemp(directory) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  directory_ = directory;
  socket_path_ = directory_ + "/sluice.sock";
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 8) != 0 || ::pipe(wake_fds_) != 0) {
    throw std::runtime_error(std::string("fake daemon socket: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { serve(); });
}

FakeDaemon::~FakeDaemon() {
  const char byte = 0;
  [[maybe_unused]] const ssize_t ignored = ::write(wake_fds_[1], &byte, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
  ::unlink(socket_path_.c_str());
  ::rmdir(directory_.c_str());
}

std::vector<std::vector<std::string>> FakeDaemon::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

void FakeDaemon::serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mutex_);
      connections_.emplace_back();
    }
    FakeConnection connection(fd);
    // One connection at a time is all the client tests need; a short poll keeps shutdown prompt.
    while (true) {
      pollfd wake{wake_fds_[0], POLLIN, 0};
      if (::poll(&wake, 1, 0) > 0) {
        ::close(fd);
        return;
      }
      const std::optional<std::string> line = connection.read_line(std::chrono::milliseconds(100));
      if (!line) {
        // Timeout or end: tell them apart by peeking.
        char peek;
        pollfd probe{fd, POLLIN, 0};
        if (::poll(&probe, 1, 0) > 0 && ::recv(fd, &peek, 1, MSG_PEEK) <= 0) break;
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        connections_.back().push_back(*line);
      }
      handler_(connection, *line);
    }
    ::close(fd);
  }
}

}  // namespace sluice::control::cli::testing
