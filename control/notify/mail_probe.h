// control/notify/mail_probe.h — `diagnose test connection mailserver <host[:port]> <from> <to>`.
//
// Owns: an MXToolbox-style probe of one mail server through the same conversation code alert mail uses
// (smtp_session): connect and banner times, banner text vs reverse DNS, EHLO capabilities before and after
// TLS, the certificate presented and whether it verifies, TLS version and cipher, the replies to MAIL and
// RCPT, an open-relay check, and the whole transaction time; and the readable report the CLI prints.
// The probe never sends DATA: MAIL, RCPT (the given recipient, then the open-relay check), RSET, QUIT.
// May call: smtp_session, getnameinfo (reverse DNS; blocking, so run it on the control thread), the C++
// standard library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/notify/mail_types.h"

namespace sluice::control::notify {

struct ProbeSettings {
  // A domain that cannot be ours or anyone's (RFC 2606 .invalid): a server that accepts it relays for anyone.
  std::string relay_test_recipient = "probe@sluice-relay-test.invalid";
  uint32_t certificate_expiry_warning_days = 30;
  uint64_t slow_banner_us = 5'000'000;   // a banner slower than this is reported (tarpit, DNS trouble)
};

struct ProbeReport {
  std::string address;                 // ip:port connected to
  uint64_t connect_us = 0, banner_us = 0;   // TCP connect time, time until the full 220 banner
  std::string banner;                  // full banner text (all lines, "\n" between)
  std::string banner_host;             // first word after 220
  std::string reverse_dns;             // PTR of the address ("" if none), and
  bool reverse_dns_matches_banner = false;
  std::vector<std::string> ehlo_capabilities;  // before TLS
  bool starttls_offered = false;
  bool tls_ok = false; std::string tls_version, tls_cipher;   // after STARTTLS (or SMTPS)
  std::string cert_subject, cert_issuer, cert_not_after, cert_sha256_fingerprint;  // leaf, "AA:BB:.." uppercase
  std::vector<std::string> cert_chain_subjects; bool cert_verified = false; std::string cert_verify_error;
  std::vector<std::string> ehlo_capabilities_tls;  // after TLS
  std::string mail_reply, rcpt_reply;  // replies to MAIL FROM:<from> and RCPT TO:<to>
  bool open_relay_tested = false; bool open_relay = false;  // RCPT to a foreign domain accepted?
  std::string open_relay_reply;        // the reply to that RCPT
  std::string relay_test_recipient;
  uint64_t transaction_us = 0;         // connect → QUIT reply
  std::string error;                   // the step that stopped the probe, "" when it ran to the end
  std::vector<std::string> problems;   // human findings, e.g. "banner host 'mx.example' does not match PTR 'x'"
  Transcript transcript;
};

ProbeReport probe_mail_server(const MailServer& server, const std::string& from, const std::string& to,
                              const ProbeSettings& settings = {});
std::string format_probe_report(const ProbeReport& report);   // readable lines with stable labels

// "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 address. port stays untouched when absent.
bool parse_host_port(std::string_view text, std::string* host, uint16_t* port, std::string* error);

}  // namespace sluice::control::notify
