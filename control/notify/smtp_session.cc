#include "control/notify/base64.h"
#include "control/notify/smtp_session.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace sluice::control::notify {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool has_capability(const std::vector<std::string>& caps, std::string_view keyword) {
  for (const std::string& cap : caps) {
    std::string word = upper(cap.substr(0, cap.find(' ')));
    if (word == keyword) return true;
  }
  return false;
}

// The mechanisms of "AUTH PLAIN LOGIN" (and the pre-RFC "AUTH=LOGIN" some servers still send).
std::vector<std::string> auth_mechanisms(const std::vector<std::string>& caps) {
  std::vector<std::string> out;
  for (const std::string& cap : caps) {
    std::string u = upper(cap);
    if (u.rfind("AUTH", 0) != 0 || u.size() < 5 || (u[4] != ' ' && u[4] != '=')) continue;
    size_t pos = 5;
    while (pos < u.size()) {
      size_t end = u.find(' ', pos);
      if (end == std::string::npos) end = u.size();
      if (end > pos && std::find(out.begin(), out.end(), u.substr(pos, end - pos)) == out.end())
        out.push_back(u.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  return out;
}

std::string helo_name(const MailServer& server) {
  if (!server.helo.empty()) return server.helo;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost.localdomain";
  return name;
}

bool is_ip_literal(const std::string& host) {
  return !host.empty() && (host.find(':') != std::string::npos ||
                           std::all_of(host.begin(), host.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }));
}

}  // namespace

std::string smtp_data_payload(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 50 + 8);
  size_t pos = 0;
  while (pos < message.size()) {
    size_t nl = message.find('\n', pos);
    size_t end = nl == std::string_view::npos ? message.size() : nl;
    std::string_view line = message.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() == '.') out += '.';
    out.append(line);
    out += "\r\n";
    pos = nl == std::string_view::npos ? message.size() : nl + 1;
  }
  out += ".\r\n";
  return out;
}

bool valid_envelope_address(std::string_view address, bool allow_empty) {
  if (address.empty()) return allow_empty;
  for (char c : address)
    if (c == '\r' || c == '\n' || c == '<' || c == '>' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

SmtpSession::SmtpSession(const MailServer& server, Transcript* transcript)
    : server_(server), connection_(server, transcript, SmtpConnection::Clock::now()) {}

SmtpSession::~SmtpSession() = default;

SendResult SmtpSession::from_reply(const std::string& step, const SmtpReply& reply) {
  SendResult r;
  r.ok = reply.positive();
  r.retryable = reply.transient();
  r.final_reply = reply.text();
  if (!r.ok) r.error = step + ": " + r.final_reply;
  return r;
}

SendResult SmtpSession::network_failure(const std::string& error) {
  broken_ = true;
  SendResult r;
  r.retryable = true;
  r.error = error;
  return r;
}

SendResult SmtpSession::tls_failure(const std::string& error) {
  facts_.tls_info = connection_.tls_info();   // what the handshake showed before it failed
  return network_failure(error);
}

bool SmtpSession::command(std::string_view line, SmtpReply* reply, std::string* error) {
  return connection_.send_line(line, error) && connection_.read_reply(reply, error);
}

bool SmtpSession::ehlo(std::vector<std::string>* capabilities, SendResult* failure) {
  const std::string name = helo_name(server_);
  SmtpReply reply;
  std::string error;
  if (!command("EHLO " + name, &reply, &error)) {
    *failure = network_failure(error);
    return false;
  }
  if (reply.code == 250) {
    std::vector<std::string> bodies = reply.bodies();
    capabilities->assign(bodies.begin() + 1, bodies.end());   // the first line is the greeting
    return true;
  }
  if (reply.code >= 500) {   // an old server without ESMTP: HELO, no extensions
    if (!command("HELO " + name, &reply, &error)) {
      *failure = network_failure(error);
      return false;
    }
    if (reply.code == 250) {
      capabilities->clear();
      return true;
    }
  }
  *failure = from_reply("EHLO", reply);
  return false;
}

SendResult SmtpSession::open() {
  std::string error;
  if (!connection_.connect(&error)) return network_failure(error);
  facts_.address = connection_.address();
  facts_.peer = connection_.peer();
  facts_.peer_len = connection_.peer_len();
  facts_.connect_us = connection_.connect_us();
  const uint64_t connected_at = connection_.elapsed_us();

  TlsClientOptions tls;
  (is_ip_literal(server_.host) ? tls.server_ip : tls.server_name) = server_.host;
  tls.ca_file = server_.ca_file;
  tls.client_cert = server_.client_cert;
  tls.verify = server_.verify;

  if (server_.secure == SecureOption::Smtps) {
    if (!connection_.start_tls(tls, &error)) return tls_failure(error);
    facts_.tls = true;
    facts_.tls_info = connection_.tls_info();
  }
  if (!connection_.read_reply(&facts_.banner, &error)) return network_failure("banner: " + error);
  facts_.banner_us = connection_.elapsed_us() - connected_at;
  if (facts_.banner.code != 220) {
    SendResult r = from_reply("banner", facts_.banner);
    r.ok = false;
    return r;
  }

  SendResult failure;
  std::vector<std::string>* caps = facts_.tls ? &facts_.capabilities_tls : &facts_.capabilities;
  if (!ehlo(caps, &failure)) return failure;

  if (!facts_.tls) {
    facts_.starttls_offered = has_capability(facts_.capabilities, "STARTTLS");
    const bool wanted = server_.secure == SecureOption::Default || server_.secure == SecureOption::Starttls;
    if (server_.secure == SecureOption::Starttls && !facts_.starttls_offered) {
      connection_.note("ERR", "STARTTLS required but the server did not offer it");
      return network_failure("STARTTLS required but the server did not offer it");
    }
    if (wanted && facts_.starttls_offered) {
      SmtpReply reply;
      if (!command("STARTTLS", &reply, &error)) return network_failure(error);
      if (reply.code == 220) {
        if (!connection_.start_tls(tls, &error)) return tls_failure(error);
        facts_.tls = true;
        facts_.tls_info = connection_.tls_info();
        if (!ehlo(&facts_.capabilities_tls, &failure)) return failure;
      } else if (server_.secure == SecureOption::Starttls) {
        SendResult r = from_reply("STARTTLS refused", reply);
        r.ok = false;
        return r;
      } else {
        // `default` means opportunistic: a server that offers STARTTLS then refuses it still gets the mail.
        connection_.note("TLS", "STARTTLS refused (" + reply.text() + "); continuing in plaintext");
      }
    }
  }

  if (!server_.username.empty()) {
    SendResult auth = authenticate(facts_.tls ? facts_.capabilities_tls : facts_.capabilities);
    if (!auth.ok) return auth;
    facts_.authenticated = true;
  }
  open_ = true;
  SendResult ok;
  ok.ok = true;
  ok.final_reply = facts_.banner.text();
  return ok;
}

SendResult SmtpSession::authenticate(const std::vector<std::string>& capabilities) {
  std::vector<std::string> mechs = auth_mechanisms(capabilities);
  const bool plain = std::find(mechs.begin(), mechs.end(), "PLAIN") != mechs.end();
  const bool login = std::find(mechs.begin(), mechs.end(), "LOGIN") != mechs.end();
  if (!plain && !login) {
    std::string offered;
    for (const std::string& m : mechs) offered += (offered.empty() ? "" : " ") + m;
    std::string why = mechs.empty() ? "AUTH configured but the server offers no AUTH" +
                                          std::string(facts_.tls ? "" : " (before TLS)")
                                    : "AUTH configured but the server offers neither PLAIN nor LOGIN (offers: " +
                                          offered + ")";
    connection_.note("ERR", why);
    return network_failure(why);
  }
  SmtpReply reply;
  std::string error;
  if (plain) {
    std::string token;
    token += '\0';
    token += server_.username;
    token += '\0';
    token += server_.password;
    if (!connection_.send_line("AUTH PLAIN " + base64(token), &error, "AUTH PLAIN <credentials hidden>") ||
        !connection_.read_reply(&reply, &error))
      return network_failure(error);
  } else {
    if (!command("AUTH LOGIN", &reply, &error)) return network_failure(error);
    if (reply.code == 334) {
      if (!connection_.send_line(base64(server_.username), &error, "<username hidden>") ||
          !connection_.read_reply(&reply, &error))
        return network_failure(error);
    }
    if (reply.code == 334) {
      if (!connection_.send_line(base64(server_.password), &error, "<password hidden>") ||
          !connection_.read_reply(&reply, &error))
        return network_failure(error);
    }
  }
  if (reply.code == 235) return from_reply("AUTH", reply);
  SendResult r = from_reply("AUTH rejected", reply);
  r.ok = false;
  return r;
}

SendResult SmtpSession::send_message(std::string_view message) {
  SmtpReply reply;
  std::string error;
  if (!command("DATA", &reply, &error)) return network_failure(error);
  if (reply.code != 354) {
    SendResult r = from_reply("DATA", reply);
    r.ok = false;
    return r;
  }
  const std::string payload = smtp_data_payload(message);
  if (!connection_.send_raw(payload, "<message: " + std::to_string(payload.size()) + " bytes>\r\n.", &error))
    return network_failure(error);
  if (!connection_.read_reply(&reply, &error)) return network_failure("after the message: " + error);
  SendResult r = from_reply("message rejected", reply);
  r.ok = reply.code == 250;
  return r;
}

void SmtpSession::quit() {
  SmtpReply reply;
  std::string error;
  if (connection_.connected() && !broken_) command("QUIT", &reply, &error);
  open_ = false;
}

}  // namespace sluice::control::notify
