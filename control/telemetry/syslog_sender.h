// control/telemetry/syslog_sender.h — sends RFC 5424 messages to one collector over UDP or TCP, never blocking.
//
// Owns: one socket to the collector and, for TCP, a bounded queue of framed messages.
//   UDP (RFC 5426): a connected datagram socket; one message per datagram of at most max_message_bytes
//   (longer messages are cut and marked, see rfc5424.h); a datagram the kernel refuses is dropped, counted.
//   TCP (RFC 6587 3.4.1, octet counting): each message framed "LEN SP MSG" and queued (at most
//   max_queue_bytes; a message that does not fit is dropped, counted); a non-blocking connect; when the
//   collector goes away (write error, EOF) or a connect fails or times out, reconnect after a backoff that
//   starts at reconnect_initial_ms and doubles up to reconnect_max_ms, reset by a successful connect. A frame
//   cut by a lost connection is dropped, not resent in part, so the collector never sees a broken frame on
//   the new connection. (Bytes the kernel accepted before the collector died are lost unseen: TCP syslog has
//   no acknowledgements, RFC 6587 4.)
// May call: POSIX sockets and getaddrinfo (in open() only: resolving may block, so open at configuration
// time, not per message); rfc5424.h.
//
// Use: send() from the record sink; call pump() regularly (each control-loop iteration) and poll fd() for
// POLLOUT while want_write() (connect in progress or queue not empty), POLLIN otherwise (to see EOF).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "control/telemetry/rfc5424.h"

namespace sluice::control::telemetry {

enum class SyslogTransport { Udp, Tcp };

struct SyslogLimits {
  size_t max_message_bytes = 8 * 1024;    // one message (UDP datagram / TCP frame's MSG), >= kMinMessageBytes
  size_t max_queue_bytes = 1024 * 1024;   // TCP: framed bytes waiting for the collector
  int reconnect_initial_ms = 1000;        // TCP: first wait after a failure
  int reconnect_max_ms = 60000;           // TCP: the doubling stops here
  int connect_timeout_ms = 5000;          // TCP: a connect still in progress after this counts as failed
};

struct SyslogTarget {
  std::string server;                     // name or numeric address of the collector
  uint16_t port = 514;
  SyslogTransport transport = SyslogTransport::Udp;
  int facility = 2;                       // mail
  std::string app_name = "sluice";
  std::string hostname;                   // "" = gethostname()
  SyslogLimits limits;
};

class SyslogSender {
 public:
  SyslogSender() = default;
  ~SyslogSender() { close(); }
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;

  // Resolves the collector's address and creates the socket (UDP: connected; TCP: connect started). A
  // collector that is not up yet is not an error for TCP: the sender keeps retrying. False with a precise
  // error when the address does not resolve or the socket cannot be made.
  bool open(const SyslogTarget& target, std::string* error);
  void close();

  // Formats (RFC 5424, timestamp now, this process's PID) and sends or queues one message. Never blocks.
  // `structured_data` is "" or StructuredData::text().
  void send(int severity, std::string_view msgid, std::string_view structured_data, std::string_view msg);
  // TCP: completes a connect, writes what the socket takes, notices a collector that closed, reconnects when
  // the backoff has passed. UDP: nothing to do.
  void pump();

  int fd() const { return fd_; }   // -1 while TCP waits to reconnect
  bool want_write() const;
  bool connected() const { return state_ == State::Connected; }

  uint64_t sent() const { return sent_; }            // messages handed to the kernel whole
  uint64_t dropped() const { return dropped_; }      // messages lost: queue full, datagram refused, frame cut
  uint64_t truncated() const { return truncated_; }  // messages cut to max_message_bytes (and still sent)
  uint64_t reconnects() const { return reconnects_; }   // TCP connections made after the first
  size_t queued_bytes() const { return queued_bytes_; }
  int backoff_ms() const { return backoff_ms_; }     // TCP: the current wait between connects (0 = none)
  const std::string& last_error() const { return last_error_; }   // why the last connection failed or ended

 private:
  using Clock = std::chrono::steady_clock;
  enum class State { Closed, Idle /* UDP */, Connecting, Connected, Backoff };

  void start_connect();
  void finish_connect();
  void disconnect(const std::string& why);
  void flush_queue();

  SyslogTarget target_;
  std::string hostname_;
  uint32_t procid_ = 0;
  sockaddr_storage addr_{};              // the resolved collector address
  socklen_t addr_len_ = 0;

  State state_ = State::Closed;
  int fd_ = -1;
  Clock::time_point connect_deadline_;   // Connecting: give up at
  Clock::time_point retry_at_;           // Backoff: next connect at
  int backoff_ms_ = 0;
  bool ever_connected_ = false;

  std::deque<std::string> queue_;        // framed messages, oldest first
  size_t head_offset_ = 0;               // bytes of queue_.front() already written
  size_t queued_bytes_ = 0;

  uint64_t sent_ = 0, dropped_ = 0, truncated_ = 0, reconnects_ = 0;
  std::string last_error_;
};

}  // namespace sluice::control::telemetry
