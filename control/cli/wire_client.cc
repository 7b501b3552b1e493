// control/cli/wire_client.cc — connect, send one request, read lines until the terminator.
#include "control/cli/wire_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/cli/wire_protocol.h"

namespace sluice::control::cli {

namespace {

std::string errno_text(int error) { return std::strerror(error); }

// What an operator should check for the usual connect failures.
std::string_view hint(int error) {
  switch (error) {
    case ENOENT:
    case ECONNREFUSED:
      return " (is the daemon running with `config system control`?)";
    case EACCES:
    case EPERM:
      return " (root, or a member of the group set in `config system control`, may use it)";
    default:
      return "";
  }
}

}  // namespace

WireClient::~WireClient() { close(); }

void WireClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool WireClient::connect(const std::string& socket_path, std::string* error) {
  close();
  path_ = socket_path;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
    *error = "cannot connect to " + socket_path + ": a socket path must be 1 to " +
             std::to_string(sizeof(address.sun_path) - 1) + " bytes long";
    return false;
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "cannot create a socket: " + errno_text(errno);
    return false;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int saved = errno;
    ::close(fd);
    *error = "cannot connect to " + socket_path + ": " + errno_text(saved) + std::string(hint(saved));
    return false;
  }
  fd_ = fd;
  return true;
}

bool WireClient::send_all(std::string_view bytes, std::string* error) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a daemon that went away is an error message, not a SIGPIPE.
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      *error = errno_text(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

WireClient::Outcome WireClient::lost(std::string message) {
  close();
  return {Outcome::Status::Lost, "connection to " + path_ + " " + message, {}};
}

WireClient::Outcome WireClient::run(std::string_view line,
                                    const std::function<void(std::string_view)>& on_line, int stop_fd) {
  if (fd_ < 0) return {Outcome::Status::Lost, "not connected to " + path_, {}};
  std::string error;
  if (!send_all(std::string(line) + "\n", &error)) return lost("lost while sending: " + error);

  int interrupts = 0;
  size_t parsed = 0;  // buffer_[0, parsed) holds no complete line
  while (true) {
    // Every complete line already received first: the terminator may be here already.
    size_t newline;
    while ((newline = buffer_.find('\n', parsed)) != std::string::npos) {
      const std::string line_text = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      parsed = 0;
      const ResponseLine response = parse_response_line(line_text);
      switch (response.kind) {
        case ResponseLine::Kind::Output:
          on_line(response.text);
          break;
        case ResponseLine::Kind::Ok:
          return {Outcome::Status::Ok, {}, std::string(response.text)};
        case ResponseLine::Kind::Error:
          return {Outcome::Status::Error,
                  response.text.empty() ? std::string("command failed (the daemon gave no reason)")
                                        : std::string(response.text),
                  {}};
        case ResponseLine::Kind::Malformed:
          return lost("broken: the daemon sent '" + line_text.substr(0, 80) +
                      "', which is neither '+ output' nor '= ok' / '= error'");
      }
    }
    parsed = buffer_.size();
    if (buffer_.size() > kMaxResponseLineBytes) {
      return lost("broken: a response line is longer than " + std::to_string(kMaxResponseLineBytes) + " bytes");
    }

    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    const int ready = ::poll(fds, stop_fd >= 0 ? 2 : 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;  // the signal's byte is on stop_fd; the next poll sees it
      return lost("lost: poll: " + errno_text(errno));
    }
    if (stop_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      char drained[64];
      const ssize_t got = ::read(stop_fd, drained, sizeof(drained));
      const int before = interrupts;
      interrupts += got > 0 ? static_cast<int>(got) : 0;
      // The daemon hears "stop" even when two presses arrive together, so it ends the command cleanly.
      if (before == 0 && interrupts > 0 && !send_all(std::string(kStopLine) + "\n", &error)) {
        return lost("lost while sending stop: " + error);
      }
      if (interrupts >= 2) {
        close();
        return {Outcome::Status::Abandoned, "stopped waiting for the daemon and closed the connection", {}};
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char chunk[16384];
      const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return lost("lost: " + errno_text(errno));
      }
      if (got == 0) return lost("closed by the daemon before the command finished");
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }
}

}  // namespace sluice::control::cli
