// tests/unit/notify/test_smtp_server.h — a small scripted SMTP server on 127.0.0.1 for the notify tests.
//
// Owns: one listening socket (an ephemeral port, or a given one to simulate a server coming back), a
// thread serving one connection at a time with real OpenSSL — STARTTLS, implicit TLS (SMTPS), AUTH
// PLAIN/LOGIN, an optional client-certificate request — a relay rule (only the local domain unless
// open_relay), reply overrides per verb ("MAIL", "RCPT", "DATA", "END" = after the message) for scripted
// 4xx/5xx, and a silent mode that accepts and never speaks. Records what each session saw.
// May call: POSIX sockets, OpenSSL, the C++ standard library.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::control::notify::test {

struct ServerConfig {
  std::string banner = "220 mx.sluice.test ESMTP SluiceTest";   // lines joined by "\r\n" for a multi-line one
  std::vector<std::string> capabilities = {"PIPELINING", "SIZE 10240000", "8BITMIME"};
  bool offer_starttls = false;
  bool implicit_tls = false;
  std::string cert_file;            // PEM: certificate, chain, key (needed for either TLS mode)
  std::string client_ca_file;       // "" = no client certificate request
  std::string auth_mechanisms;      // "" = no AUTH; "PLAIN LOGIN", "LOGIN", ...
  std::string user, password;
  std::string local_domain = "sluice.test";
  bool open_relay = false;
  bool silent = false;
  std::map<std::string, std::string> replies;   // verb → reply line(s) instead of the normal one
};

struct ServedSession {
  std::vector<std::string> commands;   // as received (credentials replaced)
  bool tls = false;
  std::string tls_error;
  std::string client_cert_subject;      // RFC 2253, "" when none was sent
  std::string auth_user, auth_mechanism;
  bool auth_ok = false;
};

struct ServedMessage {
  std::string mail_from;
  std::vector<std::string> rcpts;
  std::string raw_data;   // lines as they arrived on the wire, CRLF kept, terminating "." excluded
  bool tls = false;
};

class TestSmtpServer {
 public:
  explicit TestSmtpServer(ServerConfig config, uint16_t port = 0);
  ~TestSmtpServer();
  TestSmtpServer(const TestSmtpServer&) = delete;
  TestSmtpServer& operator=(const TestSmtpServer&) = delete;

  uint16_t port() const { return port_; }
  // Waits (up to 5 s) for the session in progress to be recorded: the client may see 221 before that.
  std::vector<ServedSession> sessions() const;
  std::vector<ServedMessage> messages() const;
  void stop();

  // A port on 127.0.0.1 where nothing listens (bound, then closed): "the server is down".
  static uint16_t unused_port();

 private:
  void serve();
  void serve_one(int fd);

  ServerConfig config_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  void* ctx_ = nullptr;   // SSL_CTX*
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable idle_;
  bool busy_ = false;   // a connection accepted and not yet recorded
  std::vector<ServedSession> sessions_;
  std::vector<ServedMessage> messages_;
  std::thread thread_;
};

}  // namespace sluice::control::notify::test
