#include "control/telemetry/syslog_sender.h"

#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sluice::control::telemetry {
namespace {

constexpr size_t kHostNameBuffer = 256;
// Bytes a collector sent us (it should send none) read per pump(): enough to see its EOF behind them.
constexpr int kMaxDiscardReadsPerPump = 4;

std::string errno_text(int err) { return std::strerror(err); }

int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool SyslogSender::open(const SyslogTarget& target, std::string* error) {
  close();
  if (target.server.empty()) {
    *error = "syslog: no server given";
    return false;
  }
  target_ = target;
  target_.limits.max_message_bytes = std::max(target_.limits.max_message_bytes, kMinMessageBytes);
  target_.limits.reconnect_initial_ms = std::max(target_.limits.reconnect_initial_ms, 1);
  target_.limits.reconnect_max_ms = std::max(target_.limits.reconnect_max_ms, target_.limits.reconnect_initial_ms);
  hostname_ = target.hostname;
  if (hostname_.empty()) {
    char name[kHostNameBuffer] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0) hostname_ = name;   // else NILVALUE
  }
  procid_ = static_cast<uint32_t>(::getpid());

  const bool tcp = target.transport == SyslogTransport::Tcp;
  const char* transport = tcp ? "tcp" : "udp";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(target.port);
  const int rc = ::getaddrinfo(target.server.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || !found) {
    *error = "syslog server '" + target.server + "' (" + transport + "/" + port +
             "): " + (rc == EAI_SYSTEM ? errno_text(errno) : std::string(::gai_strerror(rc)));
    return false;
  }
  std::memcpy(&addr_, found->ai_addr, found->ai_addrlen);
  addr_len_ = found->ai_addrlen;
  ::freeaddrinfo(found);

  if (tcp) {
    backoff_ms_ = 0;
    start_connect();   // a refused or pending connect is retried by pump(), not an error here
    return true;
  }
  fd_ = ::socket(addr_.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    *error = "syslog: socket: " + errno_text(errno);
    return false;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr_), addr_len_) != 0) {
    *error = "syslog: connect to " + target.server + ":" + port + "/udp: " + errno_text(errno);
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  state_ = State::Idle;
  return true;
}

void SyslogSender::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::Closed;
  queue_.clear();
  head_offset_ = 0;
  queued_bytes_ = 0;
  ever_connected_ = false;
}

bool SyslogSender::want_write() const {
  return state_ == State::Connecting || (state_ == State::Connected && !queue_.empty());
}

void SyslogSender::send(int severity, std::string_view msgid, std::string_view structured_data, std::string_view msg) {
  if (state_ == State::Closed) {
    ++dropped_;
    return;
  }
  bool cut = false;
  std::string message = format_rfc5424(target_.facility, severity, now_unix_us(), hostname_, target_.app_name,
                                       procid_, msgid, structured_data, msg, target_.limits.max_message_bytes, &cut);
  if (cut) ++truncated_;

  if (target_.transport == SyslogTransport::Udp) {
    const ssize_t n = ::send(fd_, message.data(), message.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(message.size())) {
      ++sent_;
    } else {
      ++dropped_;   // EAGAIN/ENOBUFS (socket buffer full), ECONNREFUSED (no collector): never wait
      if (n < 0) last_error_ = "syslog udp send: " + errno_text(errno);
    }
    return;
  }

  // RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG, MSG-LEN in decimal octets.
  std::string frame = std::to_string(message.size());
  frame += ' ';
  frame += message;
  if (queued_bytes_ + frame.size() > target_.limits.max_queue_bytes) {
    ++dropped_;
    return;
  }
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  pump();
}

void SyslogSender::pump() {
  switch (state_) {
    case State::Closed:
    case State::Idle:
      return;
    case State::Backoff:
      if (Clock::now() >= retry_at_) start_connect();
      return;
    case State::Connecting:
      finish_connect();
      return;
    case State::Connected:
      break;
  }
  // A collector that closed sends EOF; see it before writing more into a dead connection.
  char discard[512];
  for (int i = 0; i < kMaxDiscardReadsPerPump; ++i) {
    const ssize_t n = ::recv(fd_, discard, sizeof(discard), MSG_DONTWAIT);
    if (n > 0) continue;
    if (n == 0) {
      disconnect("collector closed the connection");
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      disconnect("syslog tcp: " + errno_text(errno));
      return;
    }
    break;
  }
  flush_queue();
}

void SyslogSender::start_connect() {
  fd_ = ::socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    const int err = errno;
    state_ = State::Connecting;   // so disconnect() schedules the retry
    disconnect("syslog: socket: " + errno_text(err));
    return;
  }
  state_ = State::Connecting;
  connect_deadline_ = Clock::now() + std::chrono::milliseconds(target_.limits.connect_timeout_ms);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr_), addr_len_) == 0) {
    finish_connect();
    return;
  }
  if (errno != EINPROGRESS) disconnect("syslog: connect to " + target_.server + ": " + errno_text(errno));
}

void SyslogSender::finish_connect() {
  pollfd p{fd_, POLLOUT, 0};
  if (::poll(&p, 1, 0) <= 0) {
    if (Clock::now() >= connect_deadline_) disconnect("syslog: connect to " + target_.server + " timed out");
    return;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    disconnect("syslog: connect to " + target_.server + ": " + errno_text(err));
    return;
  }
  state_ = State::Connected;
  if (ever_connected_) ++reconnects_;
  ever_connected_ = true;
  backoff_ms_ = 0;
  flush_queue();
}

void SyslogSender::disconnect(const std::string& why) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  last_error_ = why;
  if (head_offset_ > 0) {
    // The collector saw part of this frame on the old connection; the rest alone would break the framing.
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    head_offset_ = 0;
    ++dropped_;
  }
  backoff_ms_ = backoff_ms_ == 0 ? target_.limits.reconnect_initial_ms
                                 : std::min(backoff_ms_ * 2, target_.limits.reconnect_max_ms);
  retry_at_ = Clock::now() + std::chrono::milliseconds(backoff_ms_);
  state_ = State::Backoff;
}

void SyslogSender::flush_queue() {
  while (!queue_.empty()) {
    const std::string& frame = queue_.front();
    const ssize_t n = ::send(fd_, frame.data() + head_offset_, frame.size() - head_offset_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) disconnect("syslog tcp send: " + errno_text(errno));
      return;
    }
    head_offset_ += static_cast<size_t>(n);
    if (head_offset_ < frame.size()) return;   // the socket is full; POLLOUT says when to go on
    queued_bytes_ -= frame.size();
    queue_.pop_front();
    head_offset_ = 0;
    ++sent_;
  }
}

}  // namespace sluice::control::telemetry
