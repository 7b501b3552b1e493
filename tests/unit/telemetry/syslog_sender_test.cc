// SyslogSender over real loopback sockets: UDP to a bound test socket, TCP to a test collector that reads
// octet-counted frames, is stopped and restarted, or is not there at all.
#include "control/telemetry/syslog_sender.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace sluice::control::telemetry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kReceiveTimeoutSeconds = 5;

// A socket bound to 127.0.0.1 on a free port.
int bound_socket(int type, uint16_t port = 0) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
  return fd;
}

uint16_t port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// The fields of one RFC 5424 message, split at the header's spaces.
struct Parsed {
  std::string pri_version, timestamp, hostname, app, procid, msgid, rest;   // rest = SD [SP MSG]
};

Parsed split(const std::string& message) {
  Parsed p;
  std::string* fields[] = {&p.pri_version, &p.timestamp, &p.hostname, &p.app, &p.procid, &p.msgid};
  size_t pos = 0;
  for (std::string* field : fields) {
    const size_t space = message.find(' ', pos);
    if (space == std::string::npos) return {};
    *field = message.substr(pos, space - pos);
    pos = space + 1;
  }
  p.rest = message.substr(pos);
  return p;
}

// RFC 3339 UTC with microseconds, within a minute of now.
void expect_recent_timestamp(const std::string& ts) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";   // d = a digit
  ASSERT_EQ(ts.size(), shape.size()) << ts;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd') ASSERT_TRUE(ts[i] >= '0' && ts[i] <= '9') << ts;
    else ASSERT_EQ(ts[i], shape[i]) << ts;
  }
  std::tm tm{};
  ASSERT_NE(strptime(ts.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr);
  const std::time_t when = timegm(&tm);
  EXPECT_LT(std::abs(std::time(nullptr) - when), 60) << ts;
}

// A collector for RFC 6587 octet-counted frames ("LEN SP MSG"), served from the test thread.
class TcpCollector {
 public:
  explicit TcpCollector(int listening_fd) { adopt(listening_fd); }
  TcpCollector() { adopt(bound_socket(SOCK_STREAM)); }
  ~TcpCollector() { stop(); }

  uint16_t port() const { return port_; }
  // Accepts a pending connection and reads what it sent; EOF closes it. Never blocks.
  void step() {
    if (conn_ < 0 && listen_fd_ >= 0) conn_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn_ < 0) return;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(conn_, buf, sizeof(buf), 0);
      if (n > 0) {
        bytes_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        ::close(conn_);
        conn_ = -1;
      }
      break;
    }
    extract_frames();
  }
  void stop() {
    if (conn_ >= 0) ::close(conn_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    conn_ = listen_fd_ = -1;
    bytes_.clear();   // a frame cut by the stop is not a frame
  }
  void restart() { adopt(bound_socket(SOCK_STREAM, port_)); }

  std::vector<std::string> frames;
  std::string framing_error;

 private:
  void adopt(int fd) {
    listen_fd_ = fd;
    EXPECT_EQ(::listen(fd, 8), 0);
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    port_ = port_of(fd);
  }
  void extract_frames() {
    for (;;) {
      const size_t space = bytes_.find(' ');
      if (space == std::string::npos) return;
      const std::string len_text = bytes_.substr(0, space);
      if (len_text.empty() || len_text.size() > 6 || len_text.find_first_not_of("0123456789") != std::string::npos ||
          len_text[0] == '0') {
        framing_error = "bad MSG-LEN '" + len_text + "'";
        bytes_.clear();
        return;
      }
      const size_t len = std::stoul(len_text);
      if (bytes_.size() < space + 1 + len) return;
      frames.push_back(bytes_.substr(space + 1, len));
      bytes_.erase(0, space + 1 + len);
    }
  }

  int listen_fd_ = -1;
  int conn_ = -1;
  uint16_t port_ = 0;
  std::string bytes_;
};

// Runs the control loop's part (pump, poll) until `done` or the timeout.
bool pump_until(SyslogSender& sender, const std::function<bool()>& done, milliseconds timeout = milliseconds(5000)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    sender.pump();
    if (done()) return true;
    if (sender.fd() >= 0) {
      pollfd p{sender.fd(), static_cast<short>(sender.want_write() ? POLLOUT : POLLIN), 0};
      ::poll(&p, 1, 5);
    } else {
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  return done();
}

SyslogTarget target(uint16_t port, SyslogTransport transport) {
  SyslogTarget t;
  t.server = "127.0.0.1";
  t.port = port;
  t.transport = transport;
  t.hostname = "mx-test";
  return t;
}

std::string recv_datagram(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, kReceiveTimeoutSeconds * 1000) != 1) return "(nothing received)";
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  return n < 0 ? "(recv failed)" : std::string(buf, static_cast<size_t>(n));
}

TEST(SyslogSender, UdpDatagram) {
  const int collector = bound_socket(SOCK_DGRAM);
  SyslogSender sender;
  std::string error;
  ASSERT_TRUE(sender.open(target(port_of(collector), SyslogTransport::Udp), &error)) << error;
  StructuredData sd;
  sd.element("sluice@32473");
  sd.param("policy", "12");
  sender.send(severity::kInformational, "MSGREC", sd.text(), "{\"verdict\":\"pass\"}");

  const std::string datagram = recv_datagram(collector);
  const Parsed p = split(datagram);
  EXPECT_EQ(p.pri_version, "<22>1") << datagram;   // mail.info
  expect_recent_timestamp(p.timestamp);
  EXPECT_EQ(p.hostname, "mx-test");
  EXPECT_EQ(p.app, "sluice");
  EXPECT_EQ(p.procid, std::to_string(::getpid()));
  EXPECT_EQ(p.msgid, "MSGREC");
  EXPECT_EQ(p.rest, "[sluice@32473 policy=\"12\"] {\"verdict\":\"pass\"}");
  EXPECT_EQ(sender.sent(), 1u);
  EXPECT_EQ(sender.dropped(), 0u);
  EXPECT_FALSE(sender.want_write());
  ::close(collector);
}

TEST(SyslogSender, UdpLongMessagesAreCutAndMarked) {
  const int collector = bound_socket(SOCK_DGRAM);
  SyslogSender sender;
  std::string error;
  ASSERT_TRUE(sender.open(target(port_of(collector), SyslogTransport::Udp), &error)) << error;
  sender.send(severity::kInformational, "BIG", "", std::string(20000, 'x'));
  std::string datagram = recv_datagram(collector);
  EXPECT_EQ(datagram.size(), 8192u);   // the default limit
  EXPECT_TRUE(datagram.ends_with("x" + std::string(kTruncatedMarker)));

  SyslogTarget small = target(port_of(collector), SyslogTransport::Udp);
  small.limits.max_message_bytes = 1024;
  ASSERT_TRUE(sender.open(small, &error)) << error;
  sender.send(severity::kInformational, "BIG", "", std::string(5000, 'y'));
  datagram = recv_datagram(collector);
  EXPECT_EQ(datagram.size(), 1024u);
  EXPECT_TRUE(datagram.ends_with(kTruncatedMarker));
  EXPECT_EQ(sender.truncated(), 2u);
  EXPECT_EQ(sender.sent(), 2u);
  ::close(collector);
}

TEST(SyslogSender, OpenErrors) {
  SyslogSender sender;
  std::string error;
  SyslogTarget t = target(514, SyslogTransport::Udp);
  t.server = "";
  EXPECT_FALSE(sender.open(t, &error));
  EXPECT_EQ(error, "syslog: no server given");
  t.server = "::1::2";   // neither an address nor a name: resolution fails
  EXPECT_FALSE(sender.open(t, &error));
  EXPECT_TRUE(error.starts_with("syslog server '::1::2' (udp/514): ")) << error;
  // A sender that is not open drops (and counts) rather than crashing.
  sender.send(severity::kError, "X", "", "lost");
  EXPECT_EQ(sender.dropped(), 1u);
  EXPECT_EQ(sender.fd(), -1);
}

TEST(SyslogSender, TcpOctetCountedFrames) {
  TcpCollector collector;
  SyslogTarget t = target(collector.port(), SyslogTransport::Tcp);
  ASSERT_TRUE(facility_from_word("local3", &t.facility));
  SyslogSender sender;
  std::string error;
  ASSERT_TRUE(sender.open(t, &error)) << error;
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) {
    // Some non-ASCII, so frames' byte lengths differ from their character counts.
    sender.send(severity::kError, "REC", "", "message " + std::to_string(i) + " caf\xC3\xA9");
  }
  ASSERT_TRUE(pump_until(sender, [&] {
    collector.step();
    return collector.frames.size() >= kMessages;
  })) << collector.frames.size() << " frames; " << sender.last_error();
  EXPECT_EQ(collector.framing_error, "");
  ASSERT_EQ(collector.frames.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) {
    const Parsed p = split(collector.frames[i]);
    EXPECT_EQ(p.pri_version, "<155>1");   // local3 (19) * 8 + err (3)
    EXPECT_EQ(p.msgid, "REC");
    EXPECT_EQ(p.rest, "- \xEF\xBB\xBFmessage " + std::to_string(i) + " caf\xC3\xA9");
  }
  EXPECT_EQ(sender.sent(), static_cast<uint64_t>(kMessages));
  EXPECT_EQ(sender.dropped(), 0u);
  EXPECT_EQ(sender.queued_bytes(), 0u);
  EXPECT_FALSE(sender.want_write());
}

TEST(SyslogSender, TcpReconnectsWhenTheCollectorRestarts) {
  TcpCollector collector;
  SyslogSender sender;
  std::string error;
  ASSERT_TRUE(sender.open(target(collector.port(), SyslogTransport::Tcp), &error)) << error;
  for (int i = 0; i < 10; ++i) sender.send(severity::kNotice, "A", "", "before " + std::to_string(i));
  ASSERT_TRUE(pump_until(sender, [&] {
    collector.step();
    return collector.frames.size() >= 10;
  }));

  collector.stop();   // the collector goes away
  ASSERT_TRUE(pump_until(sender, [&] { return !sender.connected(); }, milliseconds(2000)));
  EXPECT_EQ(sender.last_error(), "collector closed the connection");
  EXPECT_EQ(sender.backoff_ms(), 1000);
  for (int i = 0; i < 10; ++i) sender.send(severity::kNotice, "B", "", "during " + std::to_string(i));
  EXPECT_GT(sender.queued_bytes(), 0u);   // kept for the collector's return

  collector.restart();
  ASSERT_TRUE(pump_until(sender, [&] {
    collector.step();
    return collector.frames.size() >= 20;
  }, milliseconds(5000))) << sender.last_error();
  EXPECT_EQ(collector.framing_error, "");
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(collector.frames[10 + i].ends_with(" - during " + std::to_string(i)));
  EXPECT_EQ(sender.reconnects(), 1u);
  EXPECT_EQ(sender.dropped(), 0u);
  EXPECT_EQ(sender.backoff_ms(), 0);   // reset by the successful connect

  // And it keeps going on the new connection.
  sender.send(severity::kNotice, "C", "", "after");
  ASSERT_TRUE(pump_until(sender, [&] {
    collector.step();
    return collector.frames.size() >= 21;
  }));
  EXPECT_TRUE(collector.frames.back().ends_with(" - after"));
}

TEST(SyslogSender, TcpBackoffDoublesUpToTheMaximum) {
  const int closed = bound_socket(SOCK_STREAM);   // bound, not listening: connects are refused
  SyslogTarget t = target(port_of(closed), SyslogTransport::Tcp);
  t.limits.reconnect_initial_ms = 50;
  t.limits.reconnect_max_ms = 200;
  SyslogSender sender;
  std::string error;
  ASSERT_TRUE(sender.open(t, &error)) << error;   // a collector that is not up is not an open error
  std::vector<int> backoffs;
  const auto start = Clock::now();
  pump_until(sender, [&] {
    const int b = sender.backoff_ms();
    if (b != 0 && (backoffs.empty() || backoffs.back() != b)) backoffs.push_back(b);
    return false;
  }, milliseconds(1000));
  EXPECT_EQ(backoffs, (std::vector<int>{50, 100, 200})) << "after " << (Clock::now() - start).count();
  EXPECT_NE(sender.last_error().find("Connection refused"), std::string::npos) << sender.last_error();
  ::close(closed);
}

TEST(SyslogSender, TcpQueueFullDropsAndCounts) {
  const int later = bound_socket(SOCK_STREAM);   // becomes the collector once the queue is full
  SyslogTarget t = target(port_of(later), SyslogTransport::Tcp);
  t.limits.max_queue_bytes = 4096;
  SyslogSender sender;
  std::string error;
  ASSERT_TRUE(sender.open(t, &error)) << error;
  constexpr int kMessages = 100;
  for (int i = 0; i < kMessages; ++i) {
    sender.send(severity::kWarning, "Q", "", "queued message " + std::to_string(i) + std::string(40, '.'));
  }
  const uint64_t dropped = sender.dropped();
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, static_cast<uint64_t>(kMessages));
  EXPECT_LE(sender.queued_bytes(), 4096u);
  EXPECT_GT(sender.queued_bytes(), 4096u - 200u);   // full: the next frame (~130 bytes) did not fit
  EXPECT_EQ(sender.sent(), 0u);

  TcpCollector collector(later);
  const size_t kept = kMessages - dropped;
  ASSERT_TRUE(pump_until(sender, [&] {
    collector.step();
    return collector.frames.size() >= kept;
  }, milliseconds(5000))) << sender.last_error();
  EXPECT_EQ(collector.framing_error, "");
  // The oldest were kept; the drops were the newest, when there was no room.
  for (size_t i = 0; i < kept; ++i) {
    EXPECT_NE(collector.frames[i].find(" - queued message " + std::to_string(i) + "."), std::string::npos);
  }
  EXPECT_EQ(sender.sent(), kept);
  EXPECT_EQ(sender.dropped(), dropped);
  EXPECT_EQ(sender.queued_bytes(), 0u);
}

}  // namespace
}  // namespace sluice::control::telemetry
