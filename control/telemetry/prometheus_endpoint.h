// control/telemetry/prometheus_endpoint.h — a minimal HTTP/1.1 server for one page: GET /metrics.
//
// Owns: a non-blocking listening socket on a local address and at most `max_connections` client connections,
// each answered once and closed ("Connection: close"): GET or HEAD /metrics -> 200 with the text render()
// builds, other paths -> 404, other methods -> 405, a malformed request -> 400; a request larger than
// `max_request_bytes`, or a connection not finished within `connection_timeout_ms` (reading the request and
// writing the answer together), is closed without an answer. Every socket is non-blocking and serve() only
// does what is ready, so a slow or hostile client never stalls the control loop or the other scrapers.
// May call: POSIX sockets; the caller's render function (once per /metrics request, on the calling thread).
//
// Use from the control loop:
//   endpoint.append_pollfds(fds);                  // the listening socket and every connection, right events
//   poll(fds, ..., min(loop_tick, endpoint.timeout_ms()));
//   endpoint.serve(render);                        // whatever poll() said: serve() tries each socket once
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "control/telemetry/metrics_text.h"

namespace sluice::control::telemetry {

struct PrometheusLimits {
  size_t max_connections = 16;           // beyond it, new connections are accepted and closed at once
  size_t max_request_bytes = 8 * 1024;   // request line + headers; larger -> closed
  int connection_timeout_ms = 2000;      // whole exchange; slower -> closed
};

// Parses "127.0.0.1:9469" or "[::1]:9469" (numeric addresses only: the endpoint is for a local address, and
// resolving names would block). Port 0 picks a free port (see PrometheusEndpoint::port()).
bool parse_listen_address(const std::string& address, struct sockaddr_storage* out, unsigned* out_len,
                          std::string* error);

class PrometheusEndpoint {
 public:
  explicit PrometheusEndpoint(PrometheusLimits limits = {}) : limits_(limits) {}
  ~PrometheusEndpoint() { close(); }
  PrometheusEndpoint(const PrometheusEndpoint&) = delete;
  PrometheusEndpoint& operator=(const PrometheusEndpoint&) = delete;

  // Non-blocking listening socket with SO_REUSEADDR (IPv6: IPV6_V6ONLY). False with a precise error.
  bool listen(const std::string& address, std::string* error);
  int fd() const { return listen_fd_; }
  uint16_t port() const { return port_; }   // the bound port (useful when listening on port 0)

  // Accepts what is pending, reads what each connection sent, answers complete requests, writes pending
  // answers, and closes connections that are done, oversized or past their deadline. Never blocks.
  // (It tries every socket, so the revents of the last poll() are not needed.)
  void serve(const std::function<void(MetricsText&)>& render);

  // Connections still in progress (waiting for the rest of a request, or for room to write the answer).
  std::vector<int> connection_fds() const;
  // Appends {listening fd, POLLIN} and each connection with POLLIN or POLLOUT, as its state needs.
  void append_pollfds(std::vector<pollfd>& fds) const;
  // Milliseconds until the earliest connection deadline (0 if one is past), -1 when there is none: serve()
  // must run by then to close a stalled client even if poll() reports nothing.
  int timeout_ms() const;

  void close();

  // Counters for the endpoint's own health (the renderer may export them).
  uint64_t requests() const { return requests_; }          // answered requests, any status
  uint64_t rejected() const { return rejected_; }          // closed: over the connection limit
  uint64_t timed_out() const { return timed_out_; }        // closed: past the deadline
  uint64_t oversized() const { return oversized_; }        // closed: request too large

 private:
  using Clock = std::chrono::steady_clock;
  enum class State { Reading, Writing, Draining };
  struct Connection {
    int fd = -1;
    State state = State::Reading;
    Clock::time_point deadline;
    std::string in;
    std::string out;
    size_t out_offset = 0;
  };

  void accept_pending(Clock::time_point now);
  // Returns false when the connection is finished and must be closed.
  bool step(Connection& c, const std::function<void(MetricsText&)>& render);
  bool read_request(Connection& c, const std::function<void(MetricsText&)>& render);
  void answer(Connection& c, const std::function<void(MetricsText&)>& render);
  bool write_answer(Connection& c);
  bool drain(Connection& c);

  PrometheusLimits limits_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::vector<Connection> connections_;
  MetricsText metrics_;   // reused per scrape
  uint64_t requests_ = 0, rejected_ = 0, timed_out_ = 0, oversized_ = 0;
};

}  // namespace sluice::control::telemetry
