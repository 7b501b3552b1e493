#include "control/telemetry/prometheus_endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace sluice::control::telemetry {
namespace {

// accept() calls per serve(): a connection flood costs the control loop a bounded slice per iteration.
constexpr int kMaxAcceptsPerServe = 64;
constexpr size_t kReadChunk = 4096;
constexpr int kMaxDrainChunksPerServe = 16;
constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string errno_text() { return std::strerror(errno); }

bool parse_port(std::string_view text, uint16_t* port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

std::string response(int status, std::string_view reason, std::string_view content_type, std::string_view body,
                     bool head, std::string_view extra_header = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_header;
  out += "Connection: close\r\n\r\n";
  if (!head) out += body;
  return out;
}

}  // namespace

bool parse_listen_address(const std::string& address, sockaddr_storage* out, unsigned* out_len, std::string* error) {
  std::string host;
  std::string_view port_text;
  const std::string_view text(address);
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = "listen address '" + address + "': expected [IPv6]:port";
      return false;
    }
    host.assign(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      *error = "listen address '" + address + "': expected IPv4:port or [IPv6]:port";
      return false;
    }
    host.assign(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  uint16_t port = 0;
  if (!parse_port(port_text, &port)) {
    *error = "listen address '" + address + "': bad port '" + std::string(port_text) + "'";
    return false;
  }
  std::memset(out, 0, sizeof(*out));
  if (text.starts_with('[')) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) != 1) {
      *error = "listen address '" + address + "': '" + host + "' is not a numeric IPv6 address";
      return false;
    }
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    *out_len = sizeof(sockaddr_in6);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(out);
    if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1) {
      *error = "listen address '" + address + "': '" + host + "' is not a numeric IPv4 address";
      return false;
    }
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    *out_len = sizeof(sockaddr_in);
  }
  return true;
}

bool PrometheusEndpoint::listen(const std::string& address, std::string* error) {
  close();
  sockaddr_storage addr;
  unsigned addr_len = 0;
  if (!parse_listen_address(address, &addr, &addr_len, error)) return false;
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "prometheus endpoint: socket: " + errno_text();
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    *error = "prometheus endpoint: cannot bind " + address + ": " + errno_text();
    ::close(fd);
    return false;
  }
  if (::listen(fd, static_cast<int>(limits_.max_connections)) != 0) {
    *error = "prometheus endpoint: listen on " + address + ": " + errno_text();
    ::close(fd);
    return false;
  }
  sockaddr_storage bound;
  socklen_t bound_len = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listen_fd_ = fd;
  return true;
}

void PrometheusEndpoint::close() {
  for (Connection& c : connections_) ::close(c.fd);
  connections_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  port_ = 0;
}

std::vector<int> PrometheusEndpoint::connection_fds() const {
  std::vector<int> fds;
  fds.reserve(connections_.size());
  for (const Connection& c : connections_) fds.push_back(c.fd);
  return fds;
}

void PrometheusEndpoint::append_pollfds(std::vector<pollfd>& fds) const {
  if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
  for (const Connection& c : connections_) {
    fds.push_back({c.fd, static_cast<short>(c.state == State::Writing ? POLLOUT : POLLIN), 0});
  }
}

int PrometheusEndpoint::timeout_ms() const {
  if (connections_.empty()) return -1;
  Clock::time_point earliest = connections_.front().deadline;
  for (const Connection& c : connections_) earliest = std::min(earliest, c.deadline);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(earliest - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

void PrometheusEndpoint::serve(const std::function<void(MetricsText&)>& render) {
  if (listen_fd_ < 0) return;
  const Clock::time_point now = Clock::now();
  accept_pending(now);
  for (size_t i = 0; i < connections_.size();) {
    Connection& c = connections_[i];
    bool keep = step(c, render);
    if (keep && Clock::now() >= c.deadline) {
      if (c.state != State::Draining) ++timed_out_;   // a drained connection was already answered
      keep = false;
    }
    if (keep) {
      ++i;
      continue;
    }
    ::close(c.fd);
    connections_[i] = std::move(connections_.back());
    connections_.pop_back();
  }
}

void PrometheusEndpoint::accept_pending(Clock::time_point now) {
  for (int n = 0; n < kMaxAcceptsPerServe; ++n) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;   // EAGAIN: nothing pending; EMFILE and the like: try again next serve()
    }
    if (connections_.size() >= limits_.max_connections) {
      ++rejected_;
      ::close(fd);
      continue;
    }
    Connection c;
    c.fd = fd;
    c.deadline = now + std::chrono::milliseconds(limits_.connection_timeout_ms);
    connections_.push_back(std::move(c));
  }
}

bool PrometheusEndpoint::step(Connection& c, const std::function<void(MetricsText&)>& render) {
  switch (c.state) {
    case State::Reading: return read_request(c, render);
    case State::Writing: return write_answer(c);
    case State::Draining: return drain(c);
  }
  return false;
}

bool PrometheusEndpoint::read_request(Connection& c, const std::function<void(MetricsText&)>& render) {
  char buf[kReadChunk];
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
    if (n == 0) return false;   // the client went away before finishing its request
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    // Search only the new bytes (and the three before them, for a terminator split across reads).
    const size_t search_from = c.in.size() < 3 ? 0 : c.in.size() - 3;
    c.in.append(buf, static_cast<size_t>(n));
    size_t end = c.in.find("\r\n\r\n", search_from);
    if (end == std::string::npos) end = c.in.find("\n\n", search_from);
    if (end != std::string::npos && end < limits_.max_request_bytes) {
      answer(c, render);
      return write_answer(c);
    }
    if (c.in.size() >= limits_.max_request_bytes) {
      ++oversized_;
      return false;
    }
  }
}

void PrometheusEndpoint::answer(Connection& c, const std::function<void(MetricsText&)>& render) {
  ++requests_;
  c.state = State::Writing;
  // Request line: METHOD SP request-target SP HTTP-version (RFC 9112 3).
  std::string_view line(c.in);
  line = line.substr(0, line.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  const bool well_formed = sp1 != 0 && sp2 != std::string_view::npos && sp2 != sp1 + 1 &&
                           line.find(' ', sp2 + 1) == std::string_view::npos &&
                           line.substr(sp2 + 1).starts_with("HTTP/1.");
  if (!well_formed) {
    c.out = response(400, "Bad Request", "text/plain", "bad request\n", false);
    return;
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  const bool head = method == "HEAD";
  if (target != kMetricsPath) {
    c.out = response(404, "Not Found", "text/plain", "not found; try /metrics\n", head);
  } else if (method != "GET" && !head) {
    c.out = response(405, "Method Not Allowed", "text/plain", "method not allowed\n", false, "Allow: GET, HEAD\r\n");
  } else {
    metrics_.clear();
    render(metrics_);
    c.out = response(200, "OK", kMetricsContentType, metrics_.text(), head);
  }
  c.in.clear();
  c.in.shrink_to_fit();
}

bool PrometheusEndpoint::write_answer(Connection& c) {
  while (c.out_offset < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    c.out_offset += static_cast<size_t>(n);
  }
  // Answer written. Closing now with unread request bytes (a POST body) would send a RST that can destroy
  // the answer in the client's receive queue; so half-close and read until the client closes (or the
  // deadline), as nginx's lingering close does.
  c.out.clear();
  c.out.shrink_to_fit();
  ::shutdown(c.fd, SHUT_WR);
  c.state = State::Draining;
  return drain(c);
}

bool PrometheusEndpoint::drain(Connection& c) {
  char buf[kReadChunk];
  // A client that keeps sending gets a bounded share of each serve(), and the deadline ends it.
  for (int chunks = 0; chunks < kMaxDrainChunksPerServe; ++chunks) {
    const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  }
  return true;
}

}  // namespace sluice::control::telemetry
