// Tests of the SMTP relay's TLS steps (scan/smtp/smtp_relay_tls.cc): what EHLO offers around TLS, how STARTTLS
// is answered, the order in which the legs turn to TLS (backend first, then the client's 220), what is dropped
// or refused on the way (CVE-2011-0411, ST-6, ST-7, ST-13), the RFC 3207 reset, certificate-inspection splicing
// and the SMTPS prelude with a STARTTLS backend. Expected behaviour: issue 5 and the lead's behaviour notes for it
// ("what the live appliance does with TLS"), THREATS.md §1 (ST-*); each test names the rule it pins.
//
// The relay never sees ciphertext: the owner decrypts. So "the leg turned to TLS" is simulated by reporting the
// step done (tls_step_done(), on_backend_tls()) and feeding plaintext again, as the owner would after decrypting.
// Where the feed's segmentation could matter, each case also runs one byte at a time.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/unit/smtp/relay_harness.h"

namespace sluice::smtp::test {
namespace {

constexpr std::string_view kReady = "220 2.0.0 Ready to start TLS\r\n";
constexpr std::string_view kTlsUnavailable = "421 4.7.0 TLS not available: ";
constexpr std::string_view kCapsWithStarttls = "250-PIPELINING\r\n250 STARTTLS\r\n";
constexpr std::string_view kCapsWithoutStarttls = "250 PIPELINING\r\n";

RelayTls terminating(BackendStarttls backend, bool require_tls = false) {
  RelayTls tls;
  tls.offer_starttls = true;
  tls.backend = backend;
  tls.require_tls = require_tls;
  return tls;
}

// SMTPS client leg, STARTTLS backend: the relay runs EHLO + STARTTLS with the backend before the banner.
RelayTls smtps_prelude() {
  RelayTls tls;
  tls.client_tls = true;
  tls.backend_prelude = true;
  tls.backend = BackendStarttls::Required;
  return tls;
}

bool has_flag(const SmtpRelay& relay, SessionFlag flag) { return (relay.flags() & flag_bit(flag)) != 0; }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

size_t line_count(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Moves whatever the relay queued after a call that is not a feed (on_backend_tls, tls_step_done), as the
// owner's next write round would.
void flush(RelayHarness& h) { h.client(""); }

// Banner relayed, client EHLO answered by the backend with `caps` (the lines after "250-mx"); outputs taken.
void open_with_ehlo(RelayHarness& h, const RelayTls& tls, std::string_view caps, size_t chunk = 0) {
  h.relay.set_tls(tls);
  h.server("220 mx ESMTP\r\n", chunk);
  h.client("EHLO client.example\r\n", chunk);
  h.server("250-mx\r\n" + std::string(caps), chunk);
  h.take_client();
  h.take_server();
}

// The client's STARTTLS carried through to a client leg in TLS, for a backend that offered STARTTLS: Required /
// Opportunistic run STARTTLS with the backend; Never resets it with RSET. Outputs taken before and after.
void switch_to_tls(RelayHarness& h, BackendStarttls backend) {
  h.take_client();
  h.take_server();
  h.client("STARTTLS\r\n");
  if (backend == BackendStarttls::Never) {
    ASSERT_EQ(h.take_server(), "RSET\r\n");
    h.server("250 2.0.0 Ok\r\n");
  } else {
    ASSERT_EQ(h.take_server(), "STARTTLS\r\n");
    h.server("220 2.0.0 Ready to start TLS\r\n");
    ASSERT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
    h.relay.on_backend_tls(true, "");
    flush(h);
  }
  ASSERT_EQ(h.take_client(), kReady);
  ASSERT_EQ(h.relay.tls_step(), TlsStep::StartClientTls);
  h.relay.tls_step_done();
  ASSERT_TRUE(h.relay.client_tls_active());
  ASSERT_EQ(h.relay.tls_step(), TlsStep::None);
  h.take_server();
}

// Every line of a reply but the last is "250-", the last "250 " (ST-8).
void expect_well_terminated(std::string_view reply) {
  ASSERT_FALSE(reply.empty());
  size_t start = 0;
  while (start < reply.size()) {
    const size_t end = reply.find("\r\n", start);
    ASSERT_NE(end, std::string_view::npos) << reply;
    const bool last = end + 2 == reply.size();
    EXPECT_EQ(reply.substr(start, 4), last ? "250 " : "250-") << reply;
    start = end + 2;
  }
}

// ---- EHLO around TLS ----

TEST(RelayTls, EhloOffersStarttlsEvenWhenTheBackendLacksIt) {
  RelayHarness h;
  h.relay.set_tls(terminating(BackendStarttls::Never));
  h.server("220 mx\r\n");
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250 PIPELINING\r\n");
  EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n");
}

TEST(RelayTls, BackendsOwnStarttlsLineNeverPassesThrough) {
  {
    SCOPED_TRACE("STARTTLS not offered by the profile");
    RelayHarness h;
    h.server("220 mx\r\n");
    h.client("EHLO c\r\n");
    h.server("250-mx\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 starttls\r\n");
    EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  }
  {
    SCOPED_TRACE("STARTTLS offered: ours, once, last");
    RelayHarness h;
    h.relay.set_tls(terminating(BackendStarttls::Required));
    h.server("220 mx\r\n");
    h.client("EHLO c\r\n");
    h.server("250-mx\r\n250-STARTTLS\r\n250 PIPELINING\r\n");
    EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n");
  }
}

TEST(RelayTls, EhloNeverOffersStarttlsAfterTls) {
  for (BackendStarttls backend : {BackendStarttls::Never, BackendStarttls::Required}) {
    SCOPED_TRACE(static_cast<int>(backend));
    RelayHarness h;
    open_with_ehlo(h, terminating(backend), kCapsWithStarttls);
    switch_to_tls(h, backend);
    h.client("EHLO c\r\n");
    EXPECT_EQ(h.take_server(), "EHLO c\r\n");
    h.server("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n");   // a plaintext (Never) backend still offers it
    EXPECT_EQ(h.take_client(), "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  }
}

TEST(RelayTls, SmtpsClientIsNeverOfferedStarttls) {
  RelayHarness h;
  RelayTls tls;
  tls.client_tls = true;
  tls.offer_starttls = true;   // even if the owner sets both, the leg is already TLS
  h.relay.set_tls(tls);
  h.server("220 mx\r\n");
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250 STARTTLS\r\n");
  EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250 CHUNKING\r\n");
}

TEST(RelayTls, AuthHiddenBeforeTlsWhenTlsIsRequiredAndShownAfter) {   // ST-11
  RelayHarness h;
  h.relay.set_tls(terminating(BackendStarttls::Never, /*require_tls=*/true));
  h.server("220 mx\r\n");
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250-AUTH PLAIN LOGIN\r\n250-auth=LOGIN\r\n250 STARTTLS\r\n");
  EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250-CHUNKING\r\n250 STARTTLS\r\n");
  switch_to_tls(h, BackendStarttls::Never);
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n");
  EXPECT_EQ(h.take_client(), "250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n");
}

TEST(RelayTls, AuthShownBeforeTlsWhenTlsIsNotRequired) {
  RelayHarness h;
  h.relay.set_tls(terminating(BackendStarttls::Never));
  h.server("220 mx\r\n");
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250 AUTH PLAIN\r\n");
  EXPECT_EQ(h.take_client(), "220 mx\r\n250-mx\r\n250-AUTH PLAIN\r\n250-CHUNKING\r\n250 STARTTLS\r\n");
}

TEST(RelayTls, EhloReplyStaysWellTerminatedWhenTheBackendsLastLineIsDropped) {   // ST-8
  RelayConfig config = RelayHarness::default_config();
  config.ehlo.chunking = false;
  {
    SCOPED_TRACE("before TLS: STARTTLS is the last line");
    RelayHarness h(config);
    h.relay.set_tls(terminating(BackendStarttls::Never, /*require_tls=*/true));
    h.server("220 mx\r\n");
    h.take_client();
    h.client("EHLO c\r\n");
    h.server("250-mx\r\n250-PIPELINING\r\n250-AUTH PLAIN\r\n250 CHUNKING\r\n");
    const std::string reply = h.take_client();
    EXPECT_EQ(reply, "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    expect_well_terminated(reply);
    switch_to_tls(h, BackendStarttls::Never);
    SCOPED_TRACE("after TLS: no STARTTLS, the kept capability ends the reply");
    h.client("EHLO c\r\n");
    h.server("250-mx\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 CHUNKING\r\n");
    const std::string after = h.take_client();
    EXPECT_EQ(after, "250-mx\r\n250 PIPELINING\r\n");
    expect_well_terminated(after);
  }
}

// The backend's reply is the backend's to shape; however it repeats itself, STARTTLS (Sluice's own promise) is
// offered before TLS ("EHLO reply to the client always offers STARTTLS before TLS").
TEST(RelayTls, EhloOffersStarttlsHoweverManyLinesTheBackendRepeats) {
  RelayHarness h;
  h.relay.set_tls(terminating(BackendStarttls::Never));
  h.server("220 mx\r\n");
  h.take_client();
  h.client("EHLO c\r\n");
  std::string reply = "250-mx\r\n";
  for (int i = 0; i < 20; ++i) reply += "250-PIPELINING\r\n";
  reply += "250 8BITMIME\r\n";
  h.server(reply);
  const std::string got = h.take_client();
  EXPECT_NE(got.find("250 STARTTLS\r\n"), std::string::npos) << got;
  expect_well_terminated(got);
}

// ---- STARTTLS answered by the relay itself ----

TEST(RelayStarttls, RefusedWith502WhenTheProfileDoesNotOfferIt) {
  RelayHarness h;   // no set_tls: the relay's default (mode none)
  h.server("220 mx\r\n");
  h.take_client();
  h.client("STARTTLS\r\nNOOP\r\n");
  const std::string got = h.take_client();
  EXPECT_TRUE(starts_with(got, "502 5.5.1 ")) << got;
  EXPECT_EQ(line_count(got), 1u);
  EXPECT_EQ(h.take_server(), "NOOP\r\n");   // plaintext SMTP goes on
  EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
  EXPECT_FALSE(has_flag(h.relay, SessionFlag::StarttlsInjection));
}

TEST(RelayStarttls, RefusedWith503InsideTls) {
  {
    SCOPED_TRACE("after STARTTLS");
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
    switch_to_tls(h, BackendStarttls::Required);
    h.client("STARTTLS\r\nNOOP\r\n");
    EXPECT_EQ(h.take_client(), "503 5.5.1 Error: TLS already active\r\n");
    EXPECT_EQ(h.take_server(), "NOOP\r\n");
    EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
  }
  {
    SCOPED_TRACE("SMTPS");
    RelayHarness h;
    RelayTls tls;
    tls.client_tls = true;
    h.relay.set_tls(tls);
    h.server("220 mx\r\n");
    h.take_client();
    h.client("STARTTLS\r\n");
    EXPECT_EQ(h.take_client(), "503 5.5.1 Error: TLS already active\r\n");
    EXPECT_EQ(h.take_server(), "");
  }
}

// ST-10; the reply text is the one issue 5's behaviour notes give (Postfix's words), not the generic 501 of other verbs.
TEST(RelayStarttls, WithAnArgumentIs501Syntax) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
  h.client("STARTTLS foo\r\nNOOP\r\n");
  EXPECT_EQ(h.take_client(), "501 5.5.4 Syntax: STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "NOOP\r\n");   // neither STARTTLS nor a switch: commands go on
  EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
}

// ---- CVE-2011-0411: plaintext after STARTTLS (ST-1, ST-2, ST-3) ----

TEST(RelayStarttls, CommandsPipelinedAfterStarttlsAreDroppedUnanswered) {   // ST-1
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls, chunk);
    h.client("STARTTLS\r\nRSET\r\n", chunk);
    EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
    EXPECT_TRUE(has_flag(h.relay, SessionFlag::StarttlsInjection));
    h.server("220 2.0.0 Ready to start TLS\r\n", chunk);
    h.relay.on_backend_tls(true, "");
    flush(h);
    EXPECT_EQ(h.take_client(), kReady);   // no 250 for the injected RSET, before or after the 220
    h.relay.tls_step_done();
    h.client("EHLO c\r\n", chunk);
    EXPECT_EQ(h.take_server(), "EHLO c\r\n");   // the first thing after STARTTLS the backend hears
    h.server("250-mx\r\n250 PIPELINING\r\n", chunk);
    EXPECT_EQ(h.take_client(), "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  }
}

TEST(RelayStarttls, CredentialsAndEnvelopePipelinedAfterStarttlsNeverReachTheBackend) {   // ST-3
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls, chunk);
    h.client("STARTTLS\r\nAUTH PLAIN AGF0dGFja2VyAHNlY3JldA==\r\nMAIL FROM:<att@evil.example>\r\n"
             "RCPT TO:<u@protected.example>\r\nDATA\r\nSubject: forged\r\n\r\nx\r\n.\r\n",
             chunk);
    EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
    EXPECT_EQ(h.take_client(), "");
    h.server("220 2.0.0 Ready to start TLS\r\n", chunk);
    h.relay.on_backend_tls(true, "");
    flush(h);
    h.relay.tls_step_done();
    flush(h);
    EXPECT_EQ(h.take_client(), kReady);
    EXPECT_EQ(h.take_server(), "");
    EXPECT_TRUE(has_flag(h.relay, SessionFlag::StarttlsInjection));
    // The victim's own session inside TLS: its AUTH is a command, never content of the injected DATA.
    h.client("EHLO v\r\nAUTH PLAIN AHZpY3RpbQBwdw==\r\n", chunk);
    EXPECT_EQ(h.take_server(), "EHLO v\r\nAUTH PLAIN AHZpY3RpbQBwdw==\r\n");
    h.server("250-mx\r\n250 AUTH PLAIN\r\n235 2.7.0 Authentication successful\r\n", chunk);
    EXPECT_EQ(h.take_client(), "250-mx\r\n250-AUTH PLAIN\r\n250 CHUNKING\r\n235 2.7.0 Authentication successful\r\n");
    EXPECT_EQ(h.hooks.begun, 0);
  }
}

TEST(RelayStarttls, InjectedEhloGetsNoReplyInsideTls) {   // ST-2 (EAST command-injection-tester)
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Never), kCapsWithStarttls, chunk);
    h.client("STARTTLS\r\nEHLO commandinjectiontester\r\n", chunk);
    EXPECT_EQ(h.take_server(), "RSET\r\n");
    h.server("250 2.0.0 Ok\r\n", chunk);
    EXPECT_EQ(h.take_client(), kReady);
    h.relay.tls_step_done();
    flush(h);
    EXPECT_EQ(h.take_client(), "");   // nothing inside TLS until the client speaks
    h.client("FAKE x\r\n", chunk);
    EXPECT_EQ(h.take_client(), "502 5.5.2 Error: command not recognized\r\n");
    EXPECT_EQ(h.take_server(), "");
  }
}

TEST(RelayStarttls, PlaintextArrivingBeforeThe220IsDroppedToo) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
  EXPECT_FALSE(has_flag(h.relay, SessionFlag::StarttlsInjection));
  h.client("MAIL FROM:<att@evil.example>\r\n");   // a later segment, still before the 220
  h.server("220 go ahead\r\n");
  h.relay.on_backend_tls(true, "");
  flush(h);
  EXPECT_EQ(h.take_server(), "");
  EXPECT_EQ(h.take_client(), kReady);
  EXPECT_TRUE(has_flag(h.relay, SessionFlag::StarttlsInjection));
}

TEST(RelayStarttls, InjectionUnderBackendNeverReachesOnlyTheRelaysOwnRset) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Never), kCapsWithStarttls);
  h.client("STARTTLS\r\nMAIL FROM:<att@evil.example>\r\nRSET\r\n");
  EXPECT_EQ(h.take_server(), "RSET\r\n");   // exactly one: the relay's, not the client's
  EXPECT_EQ(h.take_client(), kReady);
  EXPECT_TRUE(has_flag(h.relay, SessionFlag::StarttlsInjection));
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "");
}

// ---- The order: backend leg first, then the client's 220 ----

// ST-9: AUTH accepted before STARTTLS must not survive it. A backend that turns to TLS resets itself; a backend
// leg that stays plaintext cannot be reset (RSET keeps AUTH), so the upgrade fails closed instead.
TEST(RelayStarttls, AuthBeforeStarttlsFailsClosedWhenTheBackendStaysPlaintext) {
  for (BackendStarttls backend : {BackendStarttls::Never, BackendStarttls::Opportunistic}) {
    SCOPED_TRACE(static_cast<int>(backend));
    RelayHarness h;
    open_with_ehlo(h, terminating(backend), kCapsWithoutStarttls);
    h.client("AUTH PLAIN AGFiYwBwYXNz\r\n");
    EXPECT_EQ(h.take_server(), "AUTH PLAIN AGFiYwBwYXNz\r\n");
    h.server("235 2.7.0 Authentication successful\r\n");
    h.take_client();
    h.client("STARTTLS\r\n");
    const std::string got = h.take_client();
    EXPECT_TRUE(starts_with(got, kTlsUnavailable)) << got;
    EXPECT_EQ(got.find(kReady), std::string::npos) << got;
    EXPECT_EQ(h.take_server(), "");
    EXPECT_TRUE(h.relay.wants_close());
  }
}

TEST(RelayStarttls, AuthBeforeStarttlsIsResetByTheBackendsOwnTls) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
  h.client("AUTH PLAIN AGFiYwBwYXNz\r\n");
  h.server("235 2.7.0 Authentication successful\r\n");
  switch_to_tls(h, BackendStarttls::Required);
  EXPECT_FALSE(h.relay.wants_close());
}

// ST-15: a ClientHello sent in plaintext where a command should start is refused at once, never waited on.
TEST(RelayStarttls, PlaintextClientHelloIsRefusedAndCloses) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
  h.client(std::string("\x16\x03\x01\x00\xe3\x01\x00\x00\xdf\x03\x03", 11));
  const std::string got = h.take_client();
  EXPECT_TRUE(starts_with(got, "421 4.7.0 ")) << got;
  EXPECT_TRUE(h.relay.wants_close());
  EXPECT_EQ(h.take_server(), "");
}

// ST-13: an EHLO answered with another positive code is relayed with that code, not turned into 250.
TEST(RelayTls, EhloAnsweredWithANon250CodeKeepsItsCode) {
  for (const char* code : {"220", "221"}) {
    RelayHarness h;
    h.relay.set_tls(terminating(BackendStarttls::Required));
    h.server("220 mx\r\n");
    h.take_client();
    h.client("EHLO c\r\n");
    h.server(std::string(code) + " 4.0.0 fuzz ehlo\r\n");
    const std::string got = h.take_client();
    EXPECT_TRUE(starts_with(got, code)) << got;
  }
}

TEST(RelayStarttls, RequiredBackendTurnsToTlsBeforeTheClientGets220) {
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls, chunk);
    h.client("STARTTLS\r\n", chunk);
    EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
    EXPECT_EQ(h.take_client(), "");
    EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
    h.server("220 2.0.0 Ready to start TLS\r\n", chunk);
    EXPECT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
    EXPECT_EQ(h.take_client(), "");   // not yet: the backend's handshake comes first
    EXPECT_FALSE(h.relay.wants_close());
    h.relay.on_backend_tls(true, "");
    flush(h);
    EXPECT_TRUE(h.relay.backend_tls_active());
    EXPECT_EQ(h.take_client(), kReady);
    EXPECT_EQ(h.relay.tls_step(), TlsStep::StartClientTls);
    EXPECT_FALSE(h.relay.client_tls_active());
    h.relay.tls_step_done();
    EXPECT_TRUE(h.relay.client_tls_active());
    EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
    h.client("EHLO c\r\n", chunk);
    EXPECT_EQ(h.take_server(), "EHLO c\r\n");
    EXPECT_FALSE(has_flag(h.relay, SessionFlag::BackendPlaintext));
    EXPECT_FALSE(has_flag(h.relay, SessionFlag::StarttlsInjection));
  }
}

// The header's protocol: the owner acknowledges StartBackendTls (handshake begun), then reports its end.
TEST(RelayStarttls, AcknowledgingTheBackendStepKeepsTheOrder) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  h.server("220 2.0.0 Ready to start TLS\r\n");
  ASSERT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
  h.relay.tls_step_done();
  flush(h);
  EXPECT_EQ(h.take_client(), "");
  EXPECT_FALSE(h.relay.client_tls_active());
  h.relay.on_backend_tls(true, "");
  flush(h);
  EXPECT_EQ(h.take_client(), kReady);
  EXPECT_EQ(h.relay.tls_step(), TlsStep::StartClientTls);
}

TEST(RelayStarttls, BackendDataAfterIts220IsResponseInjection) {   // ST-6
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls, chunk);
    h.client("STARTTLS\r\n", chunk);
    h.take_server();
    h.server("220 Ready\r\n250-evil\r\n250 AUTH PLAIN\r\n", chunk);
    const std::string got = h.take_client();
    EXPECT_TRUE(starts_with(got, kTlsUnavailable)) << got;
    EXPECT_EQ(line_count(got), 1u) << got;
    EXPECT_EQ(got.find("evil"), std::string::npos);
    EXPECT_EQ(got.find("AUTH"), std::string::npos);
    EXPECT_TRUE(h.relay.wants_close());
    EXPECT_TRUE(has_flag(h.relay, SessionFlag::BackendInjection));
    EXPECT_NE(h.relay.tls_step(), TlsStep::StartBackendTls);   // the owner must not start a handshake now
    EXPECT_NE(h.relay.tls_step(), TlsStep::StartClientTls);
    h.client("MAIL FROM:<a@x>\r\n", chunk);
    EXPECT_EQ(h.take_server(), "");
    EXPECT_EQ(h.take_client(), "");
  }
}

// ---- ST-7: Required fails closed ----

void expect_closed_without_220(RelayHarness& h, std::string_view why_suffix = {}) {
  const std::string got = h.take_client();
  EXPECT_TRUE(starts_with(got, kTlsUnavailable)) << got;
  EXPECT_EQ(line_count(got), 1u) << got;   // one line, and it is the 421: no 220 before or after it
  if (!why_suffix.empty()) {
    EXPECT_GE(got.size(), why_suffix.size() + 2);
    EXPECT_EQ(got.substr(got.size() - why_suffix.size() - 2), std::string(why_suffix) + "\r\n") << got;
  }
  EXPECT_TRUE(h.relay.wants_close());
  EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
  h.take_server();
  h.client("AUTH PLAIN AGFiYwBwYXNz\r\nMAIL FROM:<a@x>\r\n");   // nothing goes to the backend in plaintext now
  EXPECT_EQ(h.take_server(), "");
  EXPECT_EQ(h.take_client(), "");
}

TEST(RelayStarttls, RequiredAndTheBackendLacksStarttlsFailsClosed) {   // ST-7
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithoutStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "");   // neither STARTTLS nor RSET
  expect_closed_without_220(h);
}

TEST(RelayStarttls, RequiredAndTheBackendRefusingStarttlsFailsClosed) {   // ST-7
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
  h.server("454 4.7.0 TLS not available due to local problem\r\n");
  expect_closed_without_220(h);
}

TEST(RelayStarttls, BackendHandshakeFailureFailsClosedWithTheReason) {   // ST-7
  for (BackendStarttls backend : {BackendStarttls::Required, BackendStarttls::Opportunistic}) {
    SCOPED_TRACE(static_cast<int>(backend));
    RelayHarness h;
    open_with_ehlo(h, terminating(backend), kCapsWithStarttls);
    h.client("STARTTLS\r\n");
    h.server("220 2.0.0 Ready to start TLS\r\n");
    ASSERT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
    h.relay.on_backend_tls(false, "x");
    flush(h);
    EXPECT_FALSE(h.relay.backend_tls_active());
    EXPECT_FALSE(h.relay.client_tls_active());
    expect_closed_without_220(h, "x");
  }
}

// The backend's handshake may end (crypto offload, async engine) after the owner's deadline already closed the
// session: a late success must not give the client 220 after its 421, nor ask for a client handshake.
TEST(RelayStarttls, BackendHandshakeEndingAfterTimeoutGivesNo220) {
  for (bool ok : {true, false}) {
    SCOPED_TRACE(ok);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
    h.client("STARTTLS\r\n");
    h.server("220 2.0.0 Ready to start TLS\r\n");
    ASSERT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
    h.relay.time_out();
    h.relay.on_backend_tls(ok, "late");
    flush(h);
    const std::string got = h.take_client();
    EXPECT_TRUE(starts_with(got, "421 4.4.2 ")) << got;
    EXPECT_EQ(got.find("\r\n220 "), std::string::npos) << got;
    EXPECT_NE(h.relay.tls_step(), TlsStep::StartClientTls);
    EXPECT_TRUE(h.relay.wants_close());
  }
}

// ---- Opportunistic and Never ----

TEST(RelayStarttls, OpportunisticWithoutBackendStarttlsGoesOnPlaintextBehind) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Opportunistic), kCapsWithoutStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "RSET\r\n");
  EXPECT_EQ(h.take_client(), kReady);
  EXPECT_EQ(h.relay.tls_step(), TlsStep::StartClientTls);
  EXPECT_TRUE(has_flag(h.relay, SessionFlag::BackendPlaintext));
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "");   // the RSET's reply is the relay's, never the client's
  h.relay.tls_step_done();
  h.client("EHLO c\r\n");
  EXPECT_EQ(h.take_server(), "EHLO c\r\n");
  EXPECT_FALSE(h.relay.backend_tls_active());
}

TEST(RelayStarttls, OpportunisticBackendRefusingStarttlsGoesOnPlaintextBehind) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Opportunistic), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
  EXPECT_EQ(h.take_client(), "");
  h.server("454 4.7.0 TLS not available due to local problem\r\n");
  EXPECT_EQ(h.take_server(), "RSET\r\n");
  EXPECT_EQ(h.take_client(), kReady);   // the 454 itself is not relayed
  EXPECT_TRUE(has_flag(h.relay, SessionFlag::BackendPlaintext));
  EXPECT_FALSE(h.relay.wants_close());
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "");
}

TEST(RelayStarttls, OpportunisticBackendWithStarttlsGetsTls) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Opportunistic), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
  h.server("220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
  EXPECT_EQ(h.take_client(), "");
  h.relay.on_backend_tls(true, "");
  flush(h);
  EXPECT_EQ(h.take_client(), kReady);
  EXPECT_FALSE(has_flag(h.relay, SessionFlag::BackendPlaintext));
}

TEST(RelayStarttls, NeverResetsTheBackendAndGives220) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Never), kCapsWithStarttls);   // even when the backend offers it
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "RSET\r\n");
  EXPECT_EQ(h.take_client(), kReady);
  EXPECT_EQ(h.relay.tls_step(), TlsStep::StartClientTls);
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "");
}

// The client may finish its handshake and pipeline EHLO before the backend answered the relay's RSET.
TEST(RelayStarttls, LateRsetReplyIsNotTakenForTheClientsEhloReply) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Never), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "RSET\r\n");
  EXPECT_EQ(h.take_client(), kReady);
  h.relay.tls_step_done();
  h.client("EHLO c\r\n");
  EXPECT_EQ(h.take_server(), "EHLO c\r\n");
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "");
  h.server("250-mx\r\n250 PIPELINING\r\n");
  EXPECT_EQ(h.take_client(), "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
}

// ---- ST-9: RFC 3207 reset ----

TEST(RelayStarttls, SessionIsResetByTls) {   // ST-9
  for (BackendStarttls backend : {BackendStarttls::Never, BackendStarttls::Required}) {
    SCOPED_TRACE(static_cast<int>(backend));
    RelayHarness h;
    open_with_ehlo(h, terminating(backend), kCapsWithStarttls);
    h.client("MAIL FROM:<a@ext.example>\r\n");
    EXPECT_EQ(h.take_server(), "MAIL FROM:<a@ext.example>\r\n");
    h.server("250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.take_client(), "250 2.1.0 Ok\r\n");
    switch_to_tls(h, backend);
    h.client("RCPT TO:<u@protected.example>\r\n");
    EXPECT_EQ(h.take_client(), "503 5.5.1 Error: need MAIL command\r\n");
    h.client("MAIL FROM:<a@ext.example>\r\n");
    EXPECT_EQ(h.take_client(), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    EXPECT_EQ(h.take_server(), "");
    h.client("EHLO c\r\n");
    EXPECT_EQ(h.take_server(), "EHLO c\r\n");
    h.server("250-mx\r\n250 PIPELINING\r\n");
    h.take_client();
    h.client("MAIL FROM:<a@ext.example>\r\n");
    EXPECT_EQ(h.take_server(), "MAIL FROM:<a@ext.example>\r\n");
  }
}

TEST(RelayStarttls, RequireTlsRefusesMailAndAuthUntilTls) {
  RelayHarness h;
  open_with_ehlo(h, terminating(BackendStarttls::Required, /*require_tls=*/true), kCapsWithStarttls);
  h.client("MAIL FROM:<a@ext.example>\r\n");
  std::string got = h.take_client();
  EXPECT_TRUE(starts_with(got, "530 5.7.0 ")) << got;
  h.client("AUTH PLAIN AGFiYwBwYXNz\r\n");
  got = h.take_client();
  EXPECT_TRUE(starts_with(got, "538 5.7.11 ")) << got;
  EXPECT_EQ(h.take_server(), "");   // no credentials in the clear
  switch_to_tls(h, BackendStarttls::Required);
  h.client("EHLO c\r\n");
  h.server("250-mx\r\n250 AUTH PLAIN\r\n");
  EXPECT_EQ(h.take_client(), "250-mx\r\n250-AUTH PLAIN\r\n250 CHUNKING\r\n");
  EXPECT_EQ(h.take_server(), "EHLO c\r\n");
  h.client("AUTH PLAIN AGFiYwBwYXNz\r\n");
  EXPECT_EQ(h.take_server(), "AUTH PLAIN AGFiYwBwYXNz\r\n");
  h.server("235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(h.take_client(), "235 2.7.0 Authentication successful\r\n");
  h.client("MAIL FROM:<a@ext.example>\r\n");
  EXPECT_EQ(h.take_server(), "MAIL FROM:<a@ext.example>\r\n");
}

TEST(RelayStarttls, PipelinedEhloIsAnsweredBeforeStarttls) {   // ST-12
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    {
      SCOPED_TRACE("Never");
      RelayHarness h;
      h.relay.set_tls(terminating(BackendStarttls::Never));
      h.server("220 mx\r\n", chunk);
      h.take_client();
      h.client("EHLO x\r\nSTARTTLS\r\n", chunk);
      EXPECT_EQ(h.take_server(), "EHLO x\r\n");   // the RSET waits for the EHLO's reply
      EXPECT_EQ(h.take_client(), "");
      h.server("250-mx\r\n250 PIPELINING\r\n", chunk);
      EXPECT_EQ(h.take_client(), "250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n" + std::string(kReady));
      EXPECT_EQ(h.take_server(), "RSET\r\n");
      EXPECT_FALSE(has_flag(h.relay, SessionFlag::StarttlsInjection));
    }
    {
      SCOPED_TRACE("Required");
      RelayHarness h;
      h.relay.set_tls(terminating(BackendStarttls::Required));
      h.server("220 mx\r\n", chunk);
      h.take_client();
      h.client("EHLO x\r\nSTARTTLS\r\n", chunk);
      EXPECT_EQ(h.take_server(), "EHLO x\r\n");
      h.server("250-mx\r\n250 STARTTLS\r\n", chunk);
      EXPECT_EQ(h.take_client(), "250-mx\r\n250-CHUNKING\r\n250 STARTTLS\r\n");
      EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
      h.server("220 2.0.0 Ready to start TLS\r\n", chunk);
      h.relay.on_backend_tls(true, "");
      flush(h);
      EXPECT_EQ(h.take_client(), kReady);
      EXPECT_FALSE(has_flag(h.relay, SessionFlag::StarttlsInjection));
    }
  }
}

// ---- ST-13: whatever the backend answers the relay's STARTTLS, fail closed ----

TEST(RelayStarttls, AnyNon220BackendAnswerUnderRequiredIs421) {   // ST-13
  for (int code : {221, 354, 421, 454, 500, 501, 530, 554}) {
    SCOPED_TRACE(code);
    RelayHarness h;
    open_with_ehlo(h, terminating(BackendStarttls::Required), kCapsWithStarttls);
    h.client("STARTTLS\r\n");
    EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
    h.server(std::to_string(code) + " 4.7.0 no\r\n");
    expect_closed_without_220(h);
    EXPECT_FALSE(has_flag(h.relay, SessionFlag::BackendPlaintext));
  }
}

// ---- Certificate inspection: splice ----

RelayTls splicing() {
  RelayTls tls;
  tls.offer_starttls = true;
  tls.splice = true;
  return tls;
}

TEST(RelayTls, SpliceForwardsStarttlsAndRelaysThe220) {
  RelayHarness h;
  open_with_ehlo(h, splicing(), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
  EXPECT_EQ(h.take_client(), "");
  h.server("220 2.0.0 Go ahead\r\n");
  EXPECT_EQ(h.take_client(), "220 2.0.0 Go ahead\r\n");   // the backend's own words
  EXPECT_EQ(h.relay.tls_step(), TlsStep::Splice);
  h.relay.tls_step_done();
  EXPECT_EQ(h.relay.tls_step(), TlsStep::Splice);   // splicing is for the rest of the session
  EXPECT_FALSE(h.relay.wants_close());
}

TEST(RelayTls, SpliceRelaysABackendRefusalAndCommandsContinue) {
  RelayHarness h;
  open_with_ehlo(h, splicing(), kCapsWithStarttls);
  h.client("STARTTLS\r\n");
  EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
  h.server("454 4.7.0 TLS not available due to local problem\r\n");
  EXPECT_EQ(h.take_client(), "454 4.7.0 TLS not available due to local problem\r\n");
  EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
  EXPECT_FALSE(h.relay.wants_close());
  h.client("NOOP\r\n");
  EXPECT_EQ(h.take_server(), "NOOP\r\n");
  h.server("250 2.0.0 Ok\r\n");
  EXPECT_EQ(h.take_client(), "250 2.0.0 Ok\r\n");
}

// ---- SMTPS client, STARTTLS backend: the prelude ----

TEST(RelayTls, PreludeSecuresTheBackendBeforeTheBanner) {
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(chunk);
    RelayHarness h;
    h.relay.set_tls(smtps_prelude());
    h.server("220 mx.example ESMTP\r\n", chunk);
    EXPECT_EQ(h.take_client(), "");
    const std::string ehlo = h.take_server();
    EXPECT_TRUE(starts_with(ehlo, "EHLO ")) << ehlo;
    EXPECT_EQ(line_count(ehlo), 1u) << ehlo;
    h.server("250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n", chunk);
    EXPECT_EQ(h.take_server(), "STARTTLS\r\n");
    EXPECT_EQ(h.take_client(), "");
    h.server("220 2.0.0 Ready to start TLS\r\n", chunk);
    EXPECT_EQ(h.relay.tls_step(), TlsStep::StartBackendTls);
    EXPECT_EQ(h.take_client(), "");
    h.relay.on_backend_tls(true, "");
    flush(h);
    EXPECT_EQ(h.take_client(), "220 mx.example ESMTP\r\n");
    EXPECT_TRUE(h.relay.backend_tls_active());
    EXPECT_TRUE(h.relay.client_tls_active());
    EXPECT_EQ(h.relay.tls_step(), TlsStep::None);
    h.client("EHLO c\r\n", chunk);
    EXPECT_EQ(h.take_server(), "EHLO c\r\n");
    h.server("250-mx.example\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n", chunk);
    EXPECT_EQ(h.take_client(), "250-mx.example\r\n250-AUTH PLAIN\r\n250 CHUNKING\r\n");
    h.client("STARTTLS\r\n", chunk);
    EXPECT_EQ(h.take_client(), "503 5.5.1 Error: TLS already active\r\n");
  }
}

TEST(RelayTls, PreludeHoldsEarlyClientBytesUntilTheBackendIsTls) {
  RelayHarness h;
  h.relay.set_tls(smtps_prelude());
  h.client("EHLO early\r\nAUTH PLAIN AGFiYwBwYXNz\r\n");
  h.server("220 mx\r\n");
  h.server("250-mx\r\n250 STARTTLS\r\n");
  h.server("220 2.0.0 Ready\r\n");
  const std::string plaintext_leg = h.take_server();
  EXPECT_EQ(plaintext_leg.find("early"), std::string::npos) << plaintext_leg;
  EXPECT_EQ(plaintext_leg.find("AUTH"), std::string::npos) << plaintext_leg;
  h.relay.on_backend_tls(true, "");
  flush(h);
  EXPECT_EQ(h.take_client(), "220 mx\r\n");
  EXPECT_EQ(h.take_server(), "EHLO early\r\nAUTH PLAIN AGFiYwBwYXNz\r\n");   // now inside the backend's TLS
}

TEST(RelayTls, PreludeWithoutBackendStarttlsIsTheClientsOnlyReply421) {   // ST-7
  RelayHarness h;
  h.relay.set_tls(smtps_prelude());
  h.server("220 mx\r\n");
  h.take_server();
  h.server("250-mx\r\n250 PIPELINING\r\n");
  EXPECT_EQ(h.take_server(), "");
  expect_closed_without_220(h);
}

TEST(RelayTls, PreludeFailuresAreTheClientsOnlyReply421) {   // ST-7, ST-13, ST-6
  for (std::string answer : {"454 4.7.0 no\r\n", "221 bye\r\n", "500 what\r\n", "220 go\r\n250 evil\r\n"}) {
    SCOPED_TRACE(answer);
    RelayHarness h;
    h.relay.set_tls(smtps_prelude());
    h.server("220 mx\r\n");
    h.server("250-mx\r\n250 STARTTLS\r\n");
    EXPECT_EQ(h.take_server().substr(0, 5), "EHLO ");
    h.server(answer);
    expect_closed_without_220(h);
  }
  {
    SCOPED_TRACE("handshake failure");
    RelayHarness h;
    h.relay.set_tls(smtps_prelude());
    h.server("220 mx\r\n");
    h.server("250-mx\r\n250 STARTTLS\r\n");
    h.server("220 go\r\n");
    h.relay.on_backend_tls(false, "certificate verify failed");
    flush(h);
    expect_closed_without_220(h, "certificate verify failed");
  }
}

TEST(RelayTls, PreludeEhloAnsweredOddlyIsTheClientsOnlyReply421) {   // ST-13
  for (int code : {220, 221, 354, 421, 454, 500, 501, 530, 554}) {
    SCOPED_TRACE(code);
    RelayHarness h;
    h.relay.set_tls(smtps_prelude());
    h.server("220 mx\r\n");
    EXPECT_EQ(h.take_server().substr(0, 5), "EHLO ");
    h.server(std::to_string(code) + " STARTTLS\r\n");   // one line: no capability, whatever its text says
    EXPECT_EQ(h.take_server(), "");
    expect_closed_without_220(h);
  }
}

// A backend refusing service in its banner cannot be secured: nothing of the client may reach it in plaintext.
TEST(RelayTls, PreludeWithARefusingBannerSendsNothingOfTheClientInPlaintext) {
  RelayHarness h;
  h.relay.set_tls(smtps_prelude());
  h.server("554 5.3.2 mx busy\r\n");
  const std::string got = h.take_client();
  EXPECT_FALSE(starts_with(got, "220")) << got;
  h.take_server();
  h.client("EHLO c\r\nAUTH PLAIN AGFiYwBwYXNz\r\nMAIL FROM:<a@x>\r\n");
  EXPECT_EQ(h.take_server(), "");
}

}  // namespace
}  // namespace sluice::smtp::test
