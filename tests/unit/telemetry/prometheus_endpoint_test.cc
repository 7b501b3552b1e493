// PrometheusEndpoint over real loopback sockets: the endpoint runs in its own thread in a poll loop shaped
// like the daemon's control loop; clients are plain blocking sockets in the test thread.
#include "control/telemetry/prometheus_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <thread>

#include "tests/unit/telemetry/exposition_parser.h"

namespace sluice::control::telemetry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kLoopTickMs = 20;           // the control loop's own tick (it wakes for other work too)
constexpr int kClientTimeoutSeconds = 5;  // no client read in these tests may hang longer

// The endpoint in a thread of its own, served the way the control loop serves it.
class ServerThread {
 public:
  explicit ServerThread(std::function<void(MetricsText&)> render, PrometheusLimits limits = {},
                        const std::string& address = "127.0.0.1:0")
      : endpoint_(limits), render_(std::move(render)) {
    std::string error;
    listening_ = endpoint_.listen(address, &error);
    EXPECT_TRUE(listening_) << error;
    if (listening_) thread_ = std::thread([this] { loop(); });
  }
  ~ServerThread() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool listening() const { return listening_; }
  uint16_t port() const { return endpoint_.port(); }
  int renders() const { return renders_; }
  // The longest single serve() call: the loop must never be held up by a client.
  milliseconds longest_serve() const { return milliseconds(longest_serve_ms_.load()); }
  const PrometheusEndpoint& endpoint() const { return endpoint_; }   // read after stop()

 private:
  void loop() {
    const auto render = [this](MetricsText& m) {
      ++renders_;
      render_(m);
    };
    while (!stop_) {
      std::vector<pollfd> fds;
      endpoint_.append_pollfds(fds);
      const int deadline = endpoint_.timeout_ms();
      ::poll(fds.data(), fds.size(), deadline < 0 ? kLoopTickMs : std::min(deadline, kLoopTickMs));
      const auto start = Clock::now();
      endpoint_.serve(render);
      const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
      if (took > longest_serve_ms_) longest_serve_ms_ = took;
    }
  }

  PrometheusEndpoint endpoint_;
  std::function<void(MetricsText&)> render_;
  bool listening_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> renders_{0};
  std::atomic<int64_t> longest_serve_ms_{0};
  std::thread thread_;
};

void render_basic(MetricsText& m) {
  m.family("sluice_sessions_total", "Sessions proxied.", "counter");
  m.sample("sluice_sessions_total", 41, {{"core", "0"}});
  m.sample("sluice_sessions_total", 1, {{"core", "1"}});
  m.family("sluice_rule_hits_total", "Hits per rule.", "counter");
  m.sample("sluice_rule_hits_total", 5, {{"rule", "say \"hi\" \\ \n bye"}});
}

int connect_client(uint16_t port, int family = AF_INET, int rcvbuf = 0) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  timeval tv{kClientTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  int rc;
  if (family == AF_INET6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(port);
    addr.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
  EXPECT_EQ(rc, 0) << std::strerror(errno);
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;   // the server may close first (oversized request): the caller checks what came back
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Everything the server sends until it closes (or the client timeout: then the test fails on content).
std::string read_all(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string exchange(uint16_t port, std::string_view request, int family = AF_INET) {
  const int fd = connect_client(port, family);
  send_all(fd, request);
  std::string response = read_all(fd);
  ::close(fd);
  return response;
}

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;   // names lower-cased
  std::string body;
};

HttpResponse parse_response(const std::string& text) {
  HttpResponse r;
  const size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string::npos || !text.starts_with("HTTP/1.1 ")) return r;
  r.status = std::stoi(text.substr(9, 3));
  size_t pos = text.find("\r\n") + 2;
  while (pos < head_end) {
    const size_t eol = text.find("\r\n", pos);
    const std::string line = text.substr(pos, eol - pos);
    const size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    pos = eol + 2;
  }
  r.body = text.substr(head_end + 4);
  return r;
}

TEST(PrometheusEndpoint, GetMetricsServesParseableText) {
  ServerThread server(render_basic);
  ASSERT_TRUE(server.listening());
  HttpResponse r = parse_response(exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
  EXPECT_EQ(r.headers["connection"], "close");

  test::ParsedExposition parsed;
  ASSERT_EQ(test::parse_exposition(r.body, &parsed), "") << r.body;
  ASSERT_EQ(parsed.samples.size(), 3u);
  EXPECT_EQ(parsed.samples[0].name, "sluice_sessions_total");
  EXPECT_EQ(parsed.samples[0].value, 41);
  EXPECT_EQ(parsed.samples[2].labels["rule"], "say \"hi\" \\ \n bye");
  EXPECT_EQ(parsed.type["sluice_rule_hits_total"], "counter");

  // A query string is ignored; HEAD gets the headers only; curl's HTTP/1.0 style works too.
  EXPECT_EQ(parse_response(exchange(server.port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n")).status, 200);
  HttpResponse head = parse_response(exchange(server.port(), "HEAD /metrics HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_NE(head.headers["content-length"], "0");
  server.stop();
  EXPECT_EQ(server.renders(), 3);   // once per /metrics request
  EXPECT_EQ(server.endpoint().requests(), 3u);
}

TEST(PrometheusEndpoint, OtherPathsMethodsAndGarbage) {
  ServerThread server(render_basic);
  ASSERT_TRUE(server.listening());
  EXPECT_EQ(parse_response(exchange(server.port(), "GET / HTTP/1.1\r\n\r\n")).status, 404);
  EXPECT_EQ(parse_response(exchange(server.port(), "GET /metricsx HTTP/1.1\r\n\r\n")).status, 404);
  // A POST with a body the server never reads: the 405 still arrives whole (no reset destroys it).
  HttpResponse post = parse_response(
      exchange(server.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["allow"], "GET, HEAD");
  EXPECT_EQ(post.body, "method not allowed\n");
  EXPECT_EQ(parse_response(exchange(server.port(), "DELETE /metrics HTTP/1.1\r\n\r\n")).status, 405);
  EXPECT_EQ(parse_response(exchange(server.port(), "hello\r\n\r\n")).status, 400);
  EXPECT_EQ(parse_response(exchange(server.port(), "GET /metrics SMTP/1.0\r\n\r\n")).status, 400);
  EXPECT_EQ(parse_response(exchange(server.port(), "GET  /metrics HTTP/1.1\r\n\r\n")).status, 400);
  // Bare LF line ends are accepted.
  EXPECT_EQ(parse_response(exchange(server.port(), "GET /metrics HTTP/1.1\nHost: x\n\n")).status, 200);
  server.stop();
  EXPECT_EQ(server.renders(), 1);
}

TEST(PrometheusEndpoint, SlowClientIsClosedWithoutStallingOthers) {
  ServerThread server(render_basic);
  ASSERT_TRUE(server.listening());
  const auto slow_start = Clock::now();
  const int slow = connect_client(server.port());
  send_all(slow, "GET /metr");   // and nothing more

  // Meanwhile other scrapes are answered at once.
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(parse_response(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n")).status, 200);
    EXPECT_LT(Clock::now() - start, milliseconds(500));
  }
  // The slow one is closed without an answer after the 2 s limit.
  EXPECT_EQ(read_all(slow), "");
  const auto waited = Clock::now() - slow_start;
  EXPECT_GE(waited, milliseconds(1900));
  EXPECT_LT(waited, milliseconds(3500));
  ::close(slow);
  server.stop();
  EXPECT_EQ(server.endpoint().timed_out(), 1u);
  EXPECT_LT(server.longest_serve(), milliseconds(100));
}

TEST(PrometheusEndpoint, OversizedRequestIsClosed) {
  ServerThread server(render_basic);
  ASSERT_TRUE(server.listening());
  // 9 KB of headers with no end: closed without an answer.
  const std::string huge = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a');
  const auto start = Clock::now();
  EXPECT_EQ(exchange(server.port(), huge), "");
  EXPECT_LT(Clock::now() - start, milliseconds(1500));   // closed for its size, not its slowness
  // Just under the limit is fine.
  const std::string big = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(8000, 'a') + "\r\n\r\n";
  ASSERT_LT(big.size(), 8192u);
  EXPECT_EQ(parse_response(exchange(server.port(), big)).status, 200);
  server.stop();
  EXPECT_EQ(server.endpoint().oversized(), 1u);
}

TEST(PrometheusEndpoint, AtMostSixteenConnections) {
  const PrometheusLimits limits;
  ASSERT_EQ(limits.max_connections, 16u);
  ServerThread server(render_basic, limits);
  ASSERT_TRUE(server.listening());
  std::vector<int> idle;
  for (size_t i = 0; i < limits.max_connections; ++i) idle.push_back(connect_client(server.port()));
  std::this_thread::sleep_for(milliseconds(200));   // the loop accepts them
  // The seventeenth is accepted and closed at once, long before any deadline.
  const auto start = Clock::now();
  EXPECT_EQ(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n"), "");
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  for (int fd : idle) ::close(fd);
  std::this_thread::sleep_for(milliseconds(200));   // the loop sees them go
  EXPECT_EQ(parse_response(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n")).status, 200);
  server.stop();
  EXPECT_EQ(server.endpoint().rejected(), 1u);
}

TEST(PrometheusEndpoint, LargeAnswerToASlowReader) {
  constexpr int kSamples = 20000;
  ServerThread server([](MetricsText& m) {
    m.family("sluice_flow_bytes", "Bytes per flow.", "gauge");
    for (int i = 0; i < kSamples; ++i) {
      m.sample("sluice_flow_bytes", static_cast<uint64_t>(i), {{"flow", std::to_string(i)}});
    }
  });
  ASSERT_TRUE(server.listening());
  // A small receive buffer and a late start: the server must wait for POLLOUT, not block or give up.
  const int fd = connect_client(server.port(), AF_INET, 4096);
  send_all(fd, "GET /metrics HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(milliseconds(300));
  HttpResponse r = parse_response(read_all(fd));
  ::close(fd);
  ASSERT_EQ(r.status, 200);
  EXPECT_GT(r.body.size(), 500000u);
  test::ParsedExposition parsed;
  ASSERT_EQ(test::parse_exposition(r.body, &parsed), "");
  ASSERT_EQ(parsed.samples.size(), static_cast<size_t>(kSamples));
  EXPECT_EQ(parsed.samples.back().value, kSamples - 1);
  server.stop();
  EXPECT_LT(server.longest_serve(), milliseconds(100));
}

TEST(PrometheusEndpoint, Ipv6Loopback) {
  ServerThread server(render_basic, {}, "[::1]:0");
  ASSERT_TRUE(server.listening());
  EXPECT_EQ(parse_response(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n", AF_INET6)).status, 200);
}

TEST(PrometheusEndpoint, ListenErrors) {
  PrometheusEndpoint endpoint;
  std::string error;
  EXPECT_FALSE(endpoint.listen("localhost:9469", &error));
  EXPECT_EQ(error, "listen address 'localhost:9469': 'localhost' is not a numeric IPv4 address");
  EXPECT_FALSE(endpoint.listen("127.0.0.1", &error));
  EXPECT_EQ(error, "listen address '127.0.0.1': expected IPv4:port or [IPv6]:port");
  EXPECT_FALSE(endpoint.listen("127.0.0.1:70000", &error));
  EXPECT_EQ(error, "listen address '127.0.0.1:70000': bad port '70000'");
  EXPECT_FALSE(endpoint.listen("[::1]9469", &error));
  EXPECT_EQ(error, "listen address '[::1]9469': expected [IPv6]:port");
  EXPECT_FALSE(endpoint.listen("::1:9469", &error));
  EXPECT_EQ(error, "listen address '::1:9469': expected IPv4:port or [IPv6]:port");
  EXPECT_FALSE(endpoint.listen("192.0.2.1:9469", &error));   // not an address of this machine
  EXPECT_EQ(error, "prometheus endpoint: cannot bind 192.0.2.1:9469: Cannot assign requested address");

  // A port in use is a precise error too.
  PrometheusEndpoint first;
  ASSERT_TRUE(first.listen("127.0.0.1:0", &error)) << error;
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  EXPECT_FALSE(endpoint.listen(taken, &error));
  EXPECT_EQ(error, "prometheus endpoint: cannot bind " + taken + ": Address already in use");
  EXPECT_EQ(endpoint.fd(), -1);
}

}  // namespace
}  // namespace sluice::control::telemetry
