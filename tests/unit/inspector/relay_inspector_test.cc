// The relay's policy side on real parts: SmtpRelay + RelayInspector + a real snapshot (Hyperscan, MIME,
// envelope policy, greylist). Each test plays a backend and a client with exact bytes and checks what each heard
// and what the log record says.
#include "scan/inspector/relay_inspector.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "scan/envelope/greylist.h"
#include "scan/inspector/component_limits.h"
#include "tests/unit/smtp/relay_harness.h"

namespace sluice::scan {
namespace {

const std::string kEicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";

struct Records final : RecordSink {
  std::vector<MessageRecord> all;
  void on_message_record(const MessageRecord& r) override { all.push_back(r); }
};

control::Policy base_policy() {
  control::Policy p;
  p.envelope.protected_domains = {"protected.example"};
  control::SpamRule rule;
  rule.name = "lottery";
  rule.header = "Subject";
  rule.pattern = "lottery";
  rule.score = 6;
  p.spam.rules.push_back(rule);
  return p;
}

// One session through the real relay and inspector; the backend offers CHUNKING.
class Session {
 public:
  explicit Session(const control::Policy& policy) {
    std::string error;
    snapshot_ = build_policy_snapshot(policy, &error);
    EXPECT_NE(snapshot_, nullptr) << error;
    scratch_ = std::make_unique<engine::Scratch>(*snapshot_->database);
    greylist_ = std::make_unique<envelope::Greylist>(snapshot_->policy.greylist);
    context_ = InspectorContext{snapshot_.get(), scratch_.get(), &records, &now_ns};
    context_.greylist = greylist_.get();
    context_.tsc_hz = 1'000'000'000;
    inspector_ = std::make_unique<RelayInspector>(context_);
    relay_ = std::make_unique<smtp::SmtpRelay>(relay_config_from(snapshot_->policy), *inspector_);
    pump_ = std::make_unique<smtp::test::RelayPump>(*relay_);
    FlowTuple flow;
    flow.src_ip = "192.0.2.7";
    flow.flow_id = 9;
    inspector_->start(flow, *envelope::ClientAddress::parse("192.0.2.7"));
    server("220 mx ESMTP\r\n");
    client("EHLO c.example\r\n");
    server("250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
    take_client();
    take_server();
  }

  void client(std::string_view bytes) { pump_->client(bytes); }
  void server(std::string_view bytes) { pump_->server(bytes); }
  std::string take_client() { return pump_->take_client(); }
  std::string take_server() { return pump_->take_server(); }

  // MAIL, RCPT, DATA and a body; returns the client's reply to the end of data (after `backend_reply`, if the
  // backend got the message).
  std::string send(const std::string& body, const std::string& rcpt = "u@protected.example",
                   const std::string& backend_reply = "250 2.0.0 Ok: queued\r\n") {
    client("MAIL FROM:<a@ext.example>\r\nRCPT TO:<" + rcpt + ">\r\n");
    server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
    take_client();
    take_server();
    client("DATA\r\n" + body + ".\r\n");
    // A streamed message went out in chunks: the backend acknowledges each (the LAST one with backend_reply).
    const std::string& sent = pump_->server_got();
    for (size_t at = sent.find("BDAT "); at != std::string::npos; at = sent.find("BDAT ", at + 1)) {
      const bool last = sent.compare(sent.find("\r\n", at) - 4, 4, "LAST") == 0;
      server(last ? backend_reply : "250 2.0.0 Ok: chunk\r\n");
    }
    std::string reply = take_client();
    const std::string go = "354 End data with <CR><LF>.<CR><LF>\r\n";
    if (reply.rfind(go, 0) == 0) reply.erase(0, go.size());
    return reply;
  }

  Records records;
  uint64_t now_ns = 1'000'000'000;

 private:
  std::unique_ptr<const PolicySnapshot> snapshot_;
  std::unique_ptr<engine::Scratch> scratch_;
  std::unique_ptr<envelope::Greylist> greylist_;
  InspectorContext context_;
  std::unique_ptr<RelayInspector> inspector_;
  std::unique_ptr<smtp::SmtpRelay> relay_;
  std::unique_ptr<smtp::test::RelayPump> pump_;
};

TEST(RelayInspector, CleanMailIsDeliveredAndLoggedWithTheBackendsReply) {
  Session s(base_policy());
  EXPECT_EQ(s.send("Subject: hello\r\n\r\nhi\r\n"), "250 2.0.0 Ok: queued\r\n");
  ASSERT_EQ(s.records.all.size(), 1u);
  const MessageRecord& r = s.records.all[0];
  EXPECT_TRUE(r.enforced);
  EXPECT_EQ(r.client_reply, 250);
  EXPECT_EQ(r.server_reply, 250);
  EXPECT_EQ(r.verdict.action, control::Action::Pass);
  EXPECT_FALSE(r.id.empty());
}

TEST(RelayInspector, EicarIsRefusedWith550NamingTheRuleAndTheId) {
  Session s(base_policy());
  const std::string reply = s.send("Subject: v\r\n\r\n" + kEicar + "\r\n");
  ASSERT_EQ(s.records.all.size(), 1u);
  const MessageRecord& r = s.records.all[0];
  EXPECT_EQ(reply, "550 5.7.1 Message rejected: antivirus:Eicar-Test-Signature (id " + r.id + ")\r\n");
  EXPECT_EQ(s.take_server(), "RSET\r\n");   // the backend never saw the content
  EXPECT_EQ(r.client_reply, 550);
  EXPECT_EQ(r.server_reply, 0);
}

TEST(RelayInspector, RelayToAnUnprotectedDomainIsDenied) {
  Session s(base_policy());
  s.client("MAIL FROM:<a@ext.example>\r\nRCPT TO:<x@elsewhere.example>\r\n");
  EXPECT_EQ(s.take_server(), "MAIL FROM:<a@ext.example>\r\n");
  s.server("250 2.1.0 Ok\r\n");
  EXPECT_EQ(s.take_client(), "250 2.1.0 Ok\r\n550 5.7.1 <x@elsewhere.example>: Relay access denied\r\n");
}

TEST(RelayInspector, SpamIsTaggedOnTop) {
  control::Policy p = base_policy();
  p.spam.reject_threshold = 100;
  Session s(p);
  s.send("Subject: you won the lottery\r\n\r\nclaim\r\n");
  const MessageRecord& r = s.records.all.at(0);
  EXPECT_EQ(r.verdict.action, control::Action::Tag);
  EXPECT_TRUE(r.headers_added);
}

TEST(RelayInspector, SafelistedSenderSkipsAntispamButNotAntivirus) {
  control::Policy p = base_policy();
  p.spam.tag_threshold = 1;
  p.spam.reject_threshold = 2;
  p.envelope.sender_safelist = {"ext.example"};
  Session s(p);
  EXPECT_EQ(s.send("Subject: lottery\r\n\r\nx\r\n"), "250 2.0.0 Ok: queued\r\n");
  const std::string reply = s.send("Subject: lottery\r\n\r\n" + kEicar + "\r\n");
  EXPECT_EQ(reply.substr(0, 10), "550 5.7.1 ");
}

TEST(RelayInspector, QuarantineKeepsACopyThenRefuses) {
  char dir[] = "/tmp/sluice-quarantine-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  control::Policy p = base_policy();
  p.antivirus.action = control::Action::Quarantine;
  p.quarantine.directory = dir;
  Session s(p);
  const std::string body = "Subject: v\r\n\r\n" + kEicar + "\r\n";
  EXPECT_EQ(s.send(body).substr(0, 36), "550 5.7.1 Message quarantined: antiv");
  const MessageRecord& r = s.records.all.at(0);
  ASSERT_FALSE(r.quarantine_file.empty());
  std::ifstream in(r.quarantine_file, std::ios::binary);
  const std::string stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(stored, body);
  std::filesystem::remove_all(dir);
}

// RES-15: a quarantine copy the disk cannot take (a real write failure: RLIMIT_FSIZE below the message) must not
// turn into a delivery or a refusal whose evidence is lost: 452 4.3.1, the sender retries, no partial file is left.
TEST(RelayInspector, QuarantineCopyTheDiskCannotTakeTempfails) {
  char dir[] = "/tmp/sluice-quarantine-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  control::Policy p = base_policy();
  p.antivirus.action = control::Action::Quarantine;
  p.quarantine.directory = dir;
  p.quarantine.after_action = control::Action::Pass;   // the copy is the only trace the operator would have
  Session s(p);
  rlimit saved{};
  getrlimit(RLIMIT_FSIZE, &saved);
  const sighandler_t old_handler = std::signal(SIGXFSZ, SIG_IGN);   // else the limit kills the process
  rlimit tiny = saved;
  tiny.rlim_cur = 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tiny), 0);
  const std::string reply = s.send("Subject: v\r\n\r\n" + kEicar + "\r\n");
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(reply, "452 4.3.1 Insufficient system storage\r\n");
  const MessageRecord& r = s.records.all.at(0);
  EXPECT_TRUE(r.quarantine_file.empty());
  EXPECT_NE(std::find(r.flags.begin(), r.flags.end(), "quarantine_copy_failed"), r.flags.end());
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "no partial copy is left";
  std::filesystem::remove_all(dir);
}

TEST(RelayInspector, GreylistingDefersThenAcceptsAfterTheDelay) {
  control::Policy p = base_policy();
  p.greylist.enabled = true;
  p.greylist.delay_s = 60;
  Session s(p);
  s.client("MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\n");
  s.server("250 2.1.0 Ok\r\n");
  const std::string first = s.take_client();
  EXPECT_NE(first.find("451 4.7.1 <u@protected.example>: Recipient address rejected: Greylisted"), std::string::npos)
      << first;
  s.client("RSET\r\n");
  s.server("250 ok\r\n");
  s.take_client();
  s.now_ns += 61'000'000'000ull;
  s.take_server();
  s.client("MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\n");
  EXPECT_EQ(s.take_server(), "MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\n");
}

TEST(RelayInspector, BareNewlineRejectRefusesTheMessage) {
  control::Policy p = base_policy();
  p.smtp.bare_newline = control::BareNewlinePolicy::Reject;
  Session s(p);
  EXPECT_EQ(s.send("Subject: x\r\n\r\nbody1\n.\nbody2\r\n").substr(0, 44), "550 5.5.2 Error: bare <CR> or <LF> received:");
  EXPECT_EQ(s.take_server(), "RSET\r\n");
}

TEST(RelayInspector, BareLineEndInACommandDoesNotRefuseTheNextMessage) {   // SM-17 then a clean message
  control::Policy p = base_policy();
  p.smtp.bare_newline = control::BareNewlinePolicy::Reject;
  Session s(p);
  s.client("RCPT TO:<a@b>\nDATA\r\n");
  EXPECT_EQ(s.take_client(), "500 5.5.2 Error: bare <CR> or <LF> received\r\n");
  EXPECT_EQ(s.send("Subject: clean\r\n\r\nhi\r\n"), "250 2.0.0 Ok: queued\r\n");
}

TEST(RelayInspector, OversizeAndHugeHeadersGet552) {
  control::Policy p = base_policy();
  p.smtp.oversize_limit_mb = 1;
  Session s(p);
  EXPECT_EQ(s.send("Subject: big\r\n\r\n" + std::string(1100000, 'a') + "\r\n").substr(0, 10), "552 5.3.4 ");
  control::Policy q = base_policy();
  q.mime.max_header_size = 2048;
  Session t(q);
  std::string headers;
  for (int i = 0; i < 100; ++i) headers += "X-Filler-" + std::to_string(i) + ": " + std::string(40, 'h') + "\r\n";
  EXPECT_EQ(t.send(headers + "\r\nbody\r\n").substr(0, 48), "552 5.3.4 Message header size exceeds limit: smt");
}

}  // namespace
}  // namespace sluice::scan
