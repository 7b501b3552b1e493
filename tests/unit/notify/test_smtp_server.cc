#include "tests/unit/notify/test_smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace sluice::control::notify::test {
namespace {

std::string decode64(const std::string& in) {
  std::string out(in.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return {};
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The connection as the server sees it: plain or TLS, read by line.
struct Io {
  int fd;
  SSL* ssl = nullptr;
  std::string in;
  const std::atomic<bool>* stop;

  bool read_line(std::string* line) {
    for (;;) {
      size_t nl = in.find('\n');
      if (nl != std::string::npos) {
        *line = in.substr(0, nl + 1);
        in.erase(0, nl + 1);
        return true;
      }
      char buf[4096];
      if (ssl == nullptr || SSL_pending(ssl) == 0) {
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, 50);
        if (stop->load()) return false;
        if (r <= 0) continue;
      }
      int n = ssl != nullptr ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(::recv(fd, buf, sizeof buf, 0));
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
  }
  void write(const std::string& text) {
    std::string out = text + "\r\n";
    if (ssl != nullptr) SSL_write(ssl, out.data(), static_cast<int>(out.size()));
    else ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }
};

std::string strip_crlf(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string angle(const std::string& arg) {   // "FROM:<a@b>" → "a@b"
  size_t open = arg.find('<'), close = arg.rfind('>');
  return open == std::string::npos || close == std::string::npos ? std::string() : arg.substr(open + 1, close - open - 1);
}

}  // namespace

TestSmtpServer::TestSmtpServer(ServerConfig config, uint16_t port) : config_(std::move(config)) {
  std::signal(SIGPIPE, SIG_IGN);   // test server only: a client that hangs up must not end the test binary
  if (!config_.cert_file.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx, config_.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, config_.cert_file.c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("test server: cannot load " + config_.cert_file);
    if (!config_.client_ca_file.empty()) {
      SSL_CTX_load_verify_locations(ctx, config_.client_ca_file.c_str(), nullptr);
      SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(config_.client_ca_file.c_str()));
      // Request, record whatever comes, decide nothing: the test asserts what the server saw.
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    }
    ctx_ = ctx;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error(std::string("test server: bind/listen: ") + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TestSmtpServer::~TestSmtpServer() {
  stop();
  if (ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

void TestSmtpServer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

uint16_t TestSmtpServer::unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::vector<ServedSession> TestSmtpServer::sessions() const {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait_for(lock, std::chrono::seconds(5), [this] { return !busy_; });
  return sessions_;
}

std::vector<ServedMessage> TestSmtpServer::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

void TestSmtpServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = true;
    }
    timeval limit{5, 0};   // a client that stalls mid-handshake cannot hold the test past this
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    serve_one(fd);
    ::close(fd);
  }
}

void TestSmtpServer::serve_one(int fd) {
  ServedSession session;
  Io io{fd, nullptr, {}, &stop_};
  auto record = [&] {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.push_back(session);
    busy_ = false;
    idle_.notify_all();
  };
  auto handshake = [&]() -> bool {
    io.ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
    SSL_set_fd(io.ssl, fd);
    if (SSL_accept(io.ssl) != 1) {
      char buf[256];
      ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
      session.tls_error = buf;
      return false;
    }
    session.tls = true;
    if (X509* peer = SSL_get0_peer_certificate(io.ssl)) {
      char name[256];
      X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof name);
      session.client_cert_subject = name;
    }
    return true;
  };
  auto finish = [&] {
    if (io.ssl != nullptr) {
      SSL_shutdown(io.ssl);
      SSL_free(io.ssl);
    }
    record();
  };
  if (config_.silent) {   // accept and say nothing until the client gives up
    std::string line;
    while (io.read_line(&line)) session.commands.push_back(strip_crlf(line));
    return finish();
  }
  if (config_.implicit_tls && !handshake()) return finish();
  io.write(config_.banner);

  auto reply = [&](const std::string& verb, const std::string& normal) {
    auto it = config_.replies.find(verb);
    std::string text = it != config_.replies.end() ? it->second : normal;
    io.write(text);
    return text;
  };
  ServedMessage message;
  std::string line;
  while (io.read_line(&line)) {
    line = strip_crlf(line);
    std::string verb = upper(line.substr(0, line.find(' ')));
    std::string arg = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
    session.commands.push_back(verb == "AUTH" ? "AUTH " + upper(arg.substr(0, arg.find(' '))) : line);
    if (verb == "EHLO") {
      std::vector<std::string> caps = config_.capabilities;
      if (config_.offer_starttls && !session.tls) caps.push_back("STARTTLS");
      if (!config_.auth_mechanisms.empty()) caps.push_back("AUTH " + config_.auth_mechanisms);
      std::string text = "250-mx.sluice.test";
      for (size_t i = 0; i < caps.size(); ++i) text += std::string("\r\n250") + (i + 1 == caps.size() ? " " : "-") + caps[i];
      if (caps.empty()) text = "250 mx.sluice.test";
      io.write(text);
    } else if (verb == "HELO") {
      io.write("250 mx.sluice.test");
    } else if (verb == "STARTTLS" && config_.offer_starttls && !session.tls) {
      if (reply("STARTTLS", "220 2.0.0 Ready to start TLS").rfind("220", 0) == 0 && !handshake()) break;
    } else if (verb == "AUTH" && !config_.auth_mechanisms.empty()) {
      std::string mech = upper(arg.substr(0, arg.find(' ')));
      std::string user, pass;
      session.auth_mechanism = mech;
      if (mech == "PLAIN") {
        std::string token = arg.find(' ') == std::string::npos ? "" : arg.substr(arg.find(' ') + 1);
        if (token.empty()) {
          io.write("334 ");
          if (!io.read_line(&token)) break;
          token = strip_crlf(token);
        }
        std::string decoded = decode64(token);
        size_t a = decoded.find('\0'), b = decoded.find('\0', a + 1);
        if (a != std::string::npos && b != std::string::npos) {
          user = decoded.substr(a + 1, b - a - 1);
          pass = decoded.substr(b + 1);
        }
      } else if (mech == "LOGIN") {
        std::string u, p;
        io.write("334 VXNlcm5hbWU6");
        if (!io.read_line(&u)) break;
        io.write("334 UGFzc3dvcmQ6");
        if (!io.read_line(&p)) break;
        user = decode64(strip_crlf(u));
        pass = decode64(strip_crlf(p));
      } else {
        io.write("504 5.5.4 Unrecognized authentication type");
        continue;
      }
      session.auth_user = user;
      session.auth_ok = user == config_.user && pass == config_.password;
      io.write(session.auth_ok ? "235 2.7.0 Authentication successful" : "535 5.7.8 Error: authentication failed");
    } else if (verb == "MAIL") {
      message = {};
      message.mail_from = angle(arg);
      message.tls = session.tls;
      reply("MAIL", "250 2.1.0 Ok");
    } else if (verb == "RCPT") {
      std::string rcpt = angle(arg);
      std::string domain = rcpt.substr(rcpt.rfind('@') + 1);
      if (config_.open_relay || domain == config_.local_domain || session.auth_ok) {
        if (reply("RCPT", "250 2.1.5 Ok").rfind("2", 0) == 0) message.rcpts.push_back(rcpt);
      } else {
        io.write("554 5.7.1 <" + rcpt + ">: Relay access denied");
      }
    } else if (verb == "DATA") {
      if (reply("DATA", "354 End data with <CR><LF>.<CR><LF>").rfind("354", 0) != 0) continue;
      std::string data_line;
      bool ended = false;
      while (io.read_line(&data_line)) {
        if (data_line == ".\r\n") {
          ended = true;
          break;
        }
        message.raw_data += data_line;
      }
      if (!ended) break;
      if (reply("END", "250 2.0.0 Ok: queued as 4TEST").rfind("250", 0) == 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        messages_.push_back(message);
      }
    } else if (verb == "RSET") {
      message = {};
      io.write("250 2.0.0 Ok");
    } else if (verb == "NOOP") {
      io.write("250 2.0.0 Ok");
    } else if (verb == "QUIT") {
      io.write("221 2.0.0 Bye");
      break;
    } else {
      io.write("502 5.5.2 Error: command not recognized");
    }
  }
  finish();
}

}  // namespace sluice::control::notify::test
