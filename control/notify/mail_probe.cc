#include "control/notify/mail_probe.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdio>
#include <ctime>

#include "control/notify/smtp_session.h"

namespace sluice::control::notify {
namespace {

std::string lower_no_dot(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string ms(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

// "220 mx.example ESMTP Postfix" → "mx.example"; "220-mx.example ..." likewise.
std::string banner_host_of(const SmtpReply& banner) {
  if (banner.lines.empty() || banner.lines.front().size() <= 4) return {};
  std::string rest = banner.lines.front().substr(4);
  size_t start = rest.find_first_not_of(' ');
  if (start == std::string::npos) return {};
  size_t end = rest.find(' ', start);
  return rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string reverse_dns(const SessionFacts& facts) {
  if (facts.peer_len == 0) return {};
  char host[NI_MAXHOST] = {};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&facts.peer), facts.peer_len, host, sizeof host, nullptr, 0,
                  NI_NAMEREQD) != 0)
    return {};
  return host;
}

std::string ip_of(const std::string& address) {   // "1.2.3.4:25" → "1.2.3.4", "[::1]:25" → "::1"
  if (!address.empty() && address.front() == '[') return address.substr(1, address.find(']') - 1);
  return address.substr(0, address.rfind(':'));
}

void find_problems(const ProbeReport& r, const MailServer& server, const ProbeSettings& settings, bool authenticated,
                   std::vector<std::string>* problems) {
  if (!r.error.empty()) problems->push_back("probe stopped: " + r.error);
  if (r.address.empty()) return;
  if (!r.banner.empty()) {
    if (r.banner_host.empty()) {
      problems->push_back("banner names no host");
    } else if (r.reverse_dns.empty()) {
      problems->push_back("no PTR record for " + ip_of(r.address) + " (banner host '" + r.banner_host + "')");
    } else if (!r.reverse_dns_matches_banner) {
      problems->push_back("banner host '" + r.banner_host + "' does not match PTR '" + r.reverse_dns + "'");
    }
    if (r.banner_us > settings.slow_banner_us) problems->push_back("banner took " + ms(r.banner_us));
  }
  if (server.secure != SecureOption::Smtps && !r.ehlo_capabilities.empty() && !r.starttls_offered)
    problems->push_back("STARTTLS not offered");
  if (!r.cert_sha256_fingerprint.empty()) {
    if (!r.cert_verified) problems->push_back("certificate does not verify: " + r.cert_verify_error);
  }
  if (r.tls_ok && !r.cert_not_after.empty()) {
    // Not the tls_peer's field: the probe formats days, which the connection does not need.
    std::tm tm{};
    if (strptime(r.cert_not_after.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) != nullptr) {
      int64_t left = static_cast<int64_t>(timegm(&tm)) - static_cast<int64_t>(std::time(nullptr));
      if (left < 0) {
        problems->push_back("certificate expired " + r.cert_not_after);
      } else if (left < static_cast<int64_t>(settings.certificate_expiry_warning_days) * 86400) {
        problems->push_back("certificate expires " + r.cert_not_after + " (in " + std::to_string(left / 86400) +
                            " days)");
      }
    }
  }
  if (!r.mail_reply.empty() && r.mail_reply[0] != '2') problems->push_back("MAIL FROM rejected: " + r.mail_reply);
  if (!r.rcpt_reply.empty() && r.rcpt_reply[0] != '2') problems->push_back("RCPT TO rejected: " + r.rcpt_reply);
  if (r.open_relay)
    problems->push_back("open relay: RCPT TO:<" + r.relay_test_recipient + "> accepted without authentication");
  if (authenticated) problems->push_back("open relay not tested: the probe authenticated, so relaying is allowed");
}

}  // namespace

ProbeReport probe_mail_server(const MailServer& server, const std::string& from, const std::string& to,
                              const ProbeSettings& settings) {
  ProbeReport r;
  r.relay_test_recipient = settings.relay_test_recipient;
  if (!valid_envelope_address(from, true) || !valid_envelope_address(to, false)) {
    r.error = !valid_envelope_address(from, true) ? "sender '" + from + "' is not a valid envelope address"
                                                  : "recipient '" + to + "' is not a valid envelope address";
    r.problems.push_back("probe stopped: " + r.error);
    return r;
  }
  SmtpSession session(server, &r.transcript);
  SendResult opened = session.open();
  const SessionFacts& f = session.facts();
  r.address = f.address;
  r.connect_us = f.connect_us;
  r.banner_us = f.banner_us;
  for (const std::string& line : f.banner.lines) r.banner += (r.banner.empty() ? "" : "\n") + line;
  r.banner_host = banner_host_of(f.banner);
  r.ehlo_capabilities = f.capabilities;
  r.starttls_offered = f.starttls_offered;
  r.tls_ok = f.tls;
  if (f.tls) {
    r.tls_version = f.tls_info.version;
    r.tls_cipher = f.tls_info.cipher;
  }
  r.cert_subject = f.tls_info.subject;
  r.cert_issuer = f.tls_info.issuer;
  r.cert_not_after = f.tls_info.not_after;
  r.cert_sha256_fingerprint = f.tls_info.sha256_fingerprint;
  r.cert_chain_subjects = f.tls_info.chain_subjects;
  r.cert_verified = f.tls_info.verified;
  r.cert_verify_error = f.tls_info.verify_error;
  r.ehlo_capabilities_tls = f.capabilities_tls;

  if (opened.ok) {
    SmtpReply reply;
    std::string error;
    if (!session.command("MAIL FROM:<" + from + ">", &reply, &error)) {
      r.error = error;
    } else {
      r.mail_reply = reply.text();
      if (reply.positive()) {
        if (!session.command("RCPT TO:<" + to + ">", &reply, &error)) {
          r.error = error;
        } else {
          r.rcpt_reply = reply.text();
          if (!f.authenticated) {
            if (!session.command("RCPT TO:<" + settings.relay_test_recipient + ">", &reply, &error)) {
              r.error = error;
            } else {
              r.open_relay_tested = true;
              r.open_relay = reply.positive();
              r.open_relay_reply = reply.text();
            }
          }
        }
      }
      if (r.error.empty()) session.command("RSET", &reply, &error);
    }
  } else {
    r.error = opened.error;
  }
  session.quit();
  r.transaction_us = session.elapsed_us();
  // After QUIT: a slow PTR lookup must not count against the server's transaction time.
  r.reverse_dns = reverse_dns(f);
  r.reverse_dns_matches_banner =
      !r.reverse_dns.empty() && lower_no_dot(r.reverse_dns) == lower_no_dot(r.banner_host);
  find_problems(r, server, settings, f.authenticated, &r.problems);
  return r;
}

std::string format_probe_report(const ProbeReport& r) {
  std::string out;
  auto line = [&](const std::string& label, const std::string& text) { out += label + ": " + text + "\n"; };
  if (r.address.empty()) {
    line("error", r.error);
    for (const std::string& p : r.problems) line("problem", p);
    return out;
  }
  line("address", r.address + " (connect " + ms(r.connect_us) + ")");
  if (!r.banner.empty()) {
    std::string banner = r.banner;
    for (char& c : banner)
      if (c == '\n') c = ' ';
    line("banner", banner.substr(0, r.banner.find('\n')) + " (" + ms(r.banner_us) + ")");
    for (size_t pos = r.banner.find('\n'); pos != std::string::npos; pos = r.banner.find('\n', pos + 1))
      line("banner", r.banner.substr(pos + 1, r.banner.find('\n', pos + 1) - pos - 1));
    std::string rdns = r.reverse_dns.empty() ? "none" : r.reverse_dns;
    rdns += r.reverse_dns_matches_banner ? " (matches banner)" : " (does not match banner host '" + r.banner_host + "')";
    line("reverse dns", rdns);
  }
  if (!r.ehlo_capabilities.empty()) line("capabilities", join(r.ehlo_capabilities, " "));
  line("starttls", r.starttls_offered ? "offered" : "not offered");
  if (r.tls_ok) {
    line("tls", r.tls_version + " " + r.tls_cipher);
  } else {
    line("tls", r.cert_sha256_fingerprint.empty() && r.error.find("TLS") == std::string::npos ? "not used" : "failed");
  }
  if (!r.cert_sha256_fingerprint.empty()) {
    line("certificate", "sha256 " + r.cert_sha256_fingerprint + ", subject " + r.cert_subject + ", issuer " +
                            r.cert_issuer + ", expires " + r.cert_not_after);
    line("certificate chain", join(r.cert_chain_subjects, " | "));
    line("certificate verify", r.cert_verified ? "ok" : "failed (" + r.cert_verify_error + ")");
  }
  if (!r.ehlo_capabilities_tls.empty()) line("capabilities after tls", join(r.ehlo_capabilities_tls, " "));
  if (!r.mail_reply.empty()) line("mail from", r.mail_reply);
  if (!r.rcpt_reply.empty()) line("rcpt to", r.rcpt_reply);
  if (r.open_relay_tested) {
    line("open relay", std::string(r.open_relay ? "YES" : "no") + " (RCPT TO:<" + r.relay_test_recipient + "> -> " +
                           r.open_relay_reply + ")");
  } else {
    line("open relay", "not tested");
  }
  line("transaction", ms(r.transaction_us));
  if (!r.error.empty()) line("error", r.error);
  for (const std::string& p : r.problems) line("problem", p);
  return out;
}

bool parse_host_port(std::string_view text, std::string* host, uint16_t* port, std::string* error) {
  std::string_view h = text, p;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      *error = "'" + std::string(text) + "': missing ']'";
      return false;
    }
    h = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        *error = "'" + std::string(text) + "': expected ':port' after ']'";
        return false;
      }
      p = rest.substr(1);
    }
  } else if (text.find(':') != std::string_view::npos && text.find(':') == text.rfind(':')) {
    h = text.substr(0, text.find(':'));
    p = text.substr(text.find(':') + 1);
  }  // else a name, an IPv4 address, or a bare IPv6 address whose colons all belong to the host
  if (h.empty()) {
    *error = "'" + std::string(text) + "': no host";
    return false;
  }
  if (p.data() != nullptr) {
    unsigned value = 0;
    bool digits = !p.empty() && p.size() <= 5;
    for (char c : p) {
      if (c < '0' || c > '9') digits = false;
      else value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (!digits || value == 0 || value > 65535) {
      *error = "'" + std::string(text) + "': port must be 1-65535";
      return false;
    }
    *port = static_cast<uint16_t>(value);
  }
  *host = std::string(h);
  return true;
}

}  // namespace sluice::control::notify
