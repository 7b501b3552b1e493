// EnvelopePolicy: relay control, block/safe lists, reputation sums and thresholds, build errors; and the
// PolicySnapshot carrying it.
#include "scan/envelope/envelope_policy.h"

#include <gtest/gtest.h>

#include "tests/unit/envelope/temp_files.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "scan/inspector/policy_snapshot.h"

namespace sluice::scan::envelope {
namespace {

ClientAddress at(const char* text) { return *ClientAddress::parse(text); }

std::unique_ptr<EnvelopePolicy> build(const control::Policy& policy) {
  std::string error;
  auto built = EnvelopePolicy::build(policy, &error);
  EXPECT_TRUE(built) << error;
  return built;
}

void expect_refused(const EnvelopeDecision& decision, int code, const std::string& reply, const std::string& rule) {
  EXPECT_TRUE(decision.refuse);
  EXPECT_EQ(decision.code, code);
  EXPECT_EQ(decision.reply, reply);
  EXPECT_EQ(decision.rule, rule);
}

void expect_passed(const EnvelopeDecision& decision) {
  EXPECT_FALSE(decision.refuse) << decision.code << " " << decision.reply;
  EXPECT_EQ(decision.code, 0);
  EXPECT_EQ(decision.reply, "");
}

TEST(EnvelopePolicy, DefaultPolicyPassesEverything) {
  const auto policy = build(control::Policy{});
  expect_passed(policy->check_sender(at("192.0.2.1"), "a@example.com"));
  expect_passed(policy->check_sender(at("192.0.2.1"), ""));
  expect_passed(policy->check_recipient("b@anywhere.example"));
  expect_passed(policy->check_recipient("postmaster"));
  EXPECT_FALSE(policy->safelisted("a@example.com", "b@example.com"));
  EXPECT_EQ(policy->reputation_score(at("192.0.2.1"), nullptr), 0);
  EXPECT_FALSE(policy->greylist().enabled);
}

TEST(EnvelopePolicy, RelayControlExactAndLeadingDotDomains) {
  control::Policy config;
  config.envelope.protected_domains = {"Example.com", ".example.net"};
  const auto policy = build(config);
  expect_passed(policy->check_recipient("alice@example.com"));
  expect_passed(policy->check_recipient("Alice@EXAMPLE.COM"));
  expect_refused(policy->check_recipient("alice@mail.example.com"), 550,
                 "5.7.1 <alice@mail.example.com>: Relay access denied", "relay-control");
  expect_passed(policy->check_recipient("bob@example.net"));
  expect_passed(policy->check_recipient("bob@eu.MAIL.example.net"));
  expect_refused(policy->check_recipient("bob@notexample.net"), 550, "5.7.1 <bob@notexample.net>: Relay access denied",
                 "relay-control");
  expect_refused(policy->check_recipient("victim@elsewhere.example"), 550,
                 "5.7.1 <victim@elsewhere.example>: Relay access denied", "relay-control");
}

TEST(EnvelopePolicy, RecipientWithoutDomainIsOutsideEveryProtectedDomain) {
  control::Policy config;
  config.envelope.protected_domains = {"example.com"};
  const auto policy = build(config);
  expect_refused(policy->check_recipient("postmaster"), 550, "5.7.1 <postmaster>: Relay access denied", "relay-control");
  expect_refused(policy->check_recipient(""), 550, "5.7.1 <>: Relay access denied", "relay-control");
  // A relay trick: the last '@' names the domain, a percent hack or source route does not help.
  expect_refused(policy->check_recipient("victim%elsewhere.example@relay.example"), 550,
                 "5.7.1 <victim%elsewhere.example@relay.example>: Relay access denied", "relay-control");
  expect_passed(policy->check_recipient("@relay.example:alice@example.com"));
}

TEST(EnvelopePolicy, RelayControlComesBeforeTheRecipientBlocklist) {
  control::Policy config;
  config.envelope.protected_domains = {"example.com"};
  config.envelope.recipient_blocklist = {"gone@example.com", "outside.example"};
  const auto policy = build(config);
  expect_refused(policy->check_recipient("Gone@Example.com"), 550,
                 "5.7.1 <Gone@Example.com>: Recipient address rejected: Access denied", "recipient-blocklist");
  expect_refused(policy->check_recipient("x@outside.example"), 550, "5.7.1 <x@outside.example>: Relay access denied",
                 "relay-control");
  expect_passed(policy->check_recipient("here@example.com"));
}

TEST(EnvelopePolicy, SenderBlocklist) {
  control::Policy config;
  config.envelope.sender_blocklist = {"spammer@example.org", ".junk.example"};
  const auto policy = build(config);
  expect_refused(policy->check_sender(at("192.0.2.1"), "SPAMMER@example.org"), 550,
                 "5.7.1 <SPAMMER@example.org>: Sender address rejected: Access denied", "sender-blocklist");
  expect_refused(policy->check_sender(at("2001:db8::1"), "x@mx.junk.example"), 550,
                 "5.7.1 <x@mx.junk.example>: Sender address rejected: Access denied", "sender-blocklist");
  expect_passed(policy->check_sender(at("192.0.2.1"), "friend@example.org"));
  expect_passed(policy->check_sender(at("192.0.2.1"), ""));  // the null sender matches no list
}

control::Policy reputation_config() {
  control::Policy config;
  config.reputation.reject_threshold = 5;
  config.reputation.tempfail_threshold = 3;
  config.reputation_lists = {
      {.name = "local-bad", .prefixes = {"192.0.2.0/24", "2001:db8:bad::/48"}, .score = 5},
      {.name = "dynamic", .prefixes = {"198.51.100.0/24", "192.0.2.128/25"}, .score = 3},
      {.name = "partners", .prefixes = {"192.0.2.200/32", "203.0.113.0/24"}, .score = -10},
  };
  return config;
}

TEST(EnvelopePolicy, ReputationScoresSumOverEveryMatchingList) {
  const auto policy = build(reputation_config());
  std::string lists;
  EXPECT_EQ(policy->reputation_score(at("192.0.2.1"), &lists), 5);
  EXPECT_EQ(lists, "local-bad");
  EXPECT_EQ(policy->reputation_score(at("192.0.2.130"), &lists), 8);
  EXPECT_EQ(lists, "local-bad,dynamic");
  EXPECT_EQ(policy->reputation_score(at("192.0.2.200"), &lists), -2);
  EXPECT_EQ(lists, "local-bad,dynamic,partners");
  EXPECT_EQ(policy->reputation_score(at("10.0.0.1"), &lists), 0);
  EXPECT_EQ(lists, "");
}

TEST(EnvelopePolicy, ReputationRejectAndTempfailThresholds) {
  const auto policy = build(reputation_config());
  expect_refused(policy->check_sender(at("192.0.2.1"), "a@example.com"), 550,
                 "5.7.1 Client host [192.0.2.1] rejected: reputation score 5 (lists local-bad)", "reputation:local-bad");
  expect_refused(policy->check_sender(at("192.0.2.130"), "a@example.com"), 550,
                 "5.7.1 Client host [192.0.2.130] rejected: reputation score 8 (lists local-bad,dynamic)",
                 "reputation:local-bad,dynamic");
  expect_refused(policy->check_sender(at("198.51.100.1"), ""), 451,
                 "4.7.1 Client host [198.51.100.1] rejected: reputation score 3 (lists dynamic)", "reputation:dynamic");
  expect_refused(policy->check_sender(at("2001:db8:bad::25"), "a@example.com"), 550,
                 "5.7.1 Client host [2001:db8:bad::25] rejected: reputation score 5 (lists local-bad)",
                 "reputation:local-bad");
  // A good list pulls a listed client below both thresholds.
  expect_passed(policy->check_sender(at("192.0.2.200"), "a@example.com"));
  expect_passed(policy->check_sender(at("203.0.113.9"), "a@example.com"));
  expect_passed(policy->check_sender(at("10.0.0.1"), "a@example.com"));
}

TEST(EnvelopePolicy, TempfailThresholdZeroIsOff) {
  control::Policy config = reputation_config();
  config.reputation.tempfail_threshold = 0;
  const auto policy = build(config);
  expect_passed(policy->check_sender(at("198.51.100.1"), "a@example.com"));  // score 3 < reject 5
  expect_refused(policy->check_sender(at("192.0.2.1"), "a@example.com"), 550,
                 "5.7.1 Client host [192.0.2.1] rejected: reputation score 5 (lists local-bad)", "reputation:local-bad");
}

TEST(EnvelopePolicy, NegativeThresholdsRefuseListedClientsOnly) {
  control::Policy config = reputation_config();
  config.reputation.reject_threshold = -5;
  config.reputation.tempfail_threshold = -20;
  const auto policy = build(config);
  // A client on no list has no score: a threshold at or below zero does not refuse the whole Internet.
  expect_passed(policy->check_sender(at("10.0.0.1"), "a@example.com"));
  expect_refused(policy->check_sender(at("203.0.113.9"), "a@example.com"), 451,
                 "4.7.1 Client host [203.0.113.9] rejected: reputation score -10 (lists partners)", "reputation:partners");
  expect_refused(policy->check_sender(at("192.0.2.200"), "a@example.com"), 550,
                 "5.7.1 Client host [192.0.2.200] rejected: reputation score -2 (lists local-bad,dynamic,partners)",
                 "reputation:local-bad,dynamic,partners");
}

TEST(EnvelopePolicy, SafelistedSenderSkipsReputationButNotTheBlocklist) {
  control::Policy config = reputation_config();
  config.envelope.sender_safelist = {"partner.example", "boss@example.com"};
  config.envelope.sender_blocklist = {"boss@example.com"};
  const auto policy = build(config);
  expect_passed(policy->check_sender(at("192.0.2.1"), "news@partner.example"));
  expect_refused(policy->check_sender(at("192.0.2.1"), "news@other.example"), 550,
                 "5.7.1 Client host [192.0.2.1] rejected: reputation score 5 (lists local-bad)", "reputation:local-bad");
  expect_refused(policy->check_sender(at("10.0.0.1"), "boss@example.com"), 550,
                 "5.7.1 <boss@example.com>: Sender address rejected: Access denied", "sender-blocklist");
}

TEST(EnvelopePolicy, SafelistedEitherWay) {
  control::Policy config;
  config.envelope.sender_safelist = {"@partner.example"};
  config.envelope.recipient_safelist = {"abuse@example.com"};
  const auto policy = build(config);
  EXPECT_TRUE(policy->safelisted("a@partner.example", "x@example.com"));
  EXPECT_TRUE(policy->safelisted("", "ABUSE@example.com"));
  EXPECT_FALSE(policy->safelisted("", "x@example.com"));
  EXPECT_FALSE(policy->safelisted("a@mx.partner.example", "x@example.com"));
  // Safelisting never changes the blocklist answers.
  expect_passed(policy->check_recipient("abuse@example.com"));
}

class EnvelopeFiles : public TempFiles {};

TEST_F(EnvelopeFiles, ReputationFileAddsToTheListsPrefixes) {
  control::Policy config;
  config.reputation_lists = {{.name = "feed", .prefixes = {"192.0.2.0/24"},
                              .file = write("feed.txt", "# feed\n198.51.100.0/24\n2001:db8::/32\n"), .score = 9}};
  const auto policy = build(config);
  EXPECT_EQ(policy->reputation_score(at("192.0.2.1"), nullptr), 9);
  EXPECT_EQ(policy->reputation_score(at("198.51.100.1"), nullptr), 9);
  EXPECT_EQ(policy->reputation_score(at("2001:db8::1"), nullptr), 9);
  EXPECT_EQ(policy->reputation_score(at("203.0.113.1"), nullptr), 0);
}

TEST_F(EnvelopeFiles, BuildErrorsNameTheListAndTheFileOrPrefix) {
  control::Policy config;
  const std::string bad = write("bad.txt", "192.0.2.0/24\nnot-a-prefix\n");
  config.reputation_lists = {{.name = "feed", .file = bad}};
  std::string error;
  EXPECT_FALSE(EnvelopePolicy::build(config, &error));
  EXPECT_EQ(error, "reputation list 'feed': " + bad + ":2: bad prefix 'not-a-prefix' (not an IPv4 or IPv6 address)");

  config.reputation_lists = {{.name = "gone", .file = (dir_ / "missing.txt").string()}};
  EXPECT_FALSE(EnvelopePolicy::build(config, &error));
  EXPECT_EQ(error, "reputation list 'gone': " + (dir_ / "missing.txt").string() + ": cannot open");

  config.reputation_lists = {{.name = "typo", .prefixes = {"10.1.2.3/8"}}};
  EXPECT_FALSE(EnvelopePolicy::build(config, &error));
  EXPECT_EQ(error, "reputation list 'typo': bad prefix '10.1.2.3/8' (host bits set)");
}

TEST(EnvelopePolicy, GreylistWindowMustOutlastItsDelay) {
  control::Policy config;
  config.greylist.enabled = true;
  config.greylist.delay_s = 600;
  config.greylist.retry_window_s = 600;
  std::string error;
  EXPECT_FALSE(EnvelopePolicy::build(config, &error));
  EXPECT_EQ(error, "greylist retry-window (600 s) must be longer than its delay (600 s)");
  config.greylist.enabled = false;  // not checked while greylisting is off
  EXPECT_TRUE(EnvelopePolicy::build(config, &error));
  config.greylist.enabled = true;
  config.greylist.retry_window_s = 601;
  const auto policy = EnvelopePolicy::build(config, &error);
  ASSERT_TRUE(policy) << error;
  EXPECT_EQ(policy->greylist().delay_s, 600u);
  EXPECT_TRUE(policy->greylist().enabled);
}

TEST_F(EnvelopeFiles, PolicySnapshotCarriesTheEnvelopePolicyAndItsErrors) {
  control::Policy config;
  config.envelope.protected_domains = {"example.com"};
  std::string error;
  auto snapshot = build_policy_snapshot(config, &error);
  ASSERT_TRUE(snapshot) << error;
  ASSERT_TRUE(snapshot->envelope);
  EXPECT_TRUE(snapshot->envelope->check_recipient("x@elsewhere.example").refuse);

  config.reputation_lists = {{.name = "feed", .file = write("s.txt", "\n\n10.1.2.3/8\n")}};
  EXPECT_FALSE(build_policy_snapshot(config, &error));
  EXPECT_EQ(error, "reputation list 'feed': " + (dir_ / "s.txt").string() + ":3: bad prefix '10.1.2.3/8' (host bits set)");
}

}  // namespace
}  // namespace sluice::scan::envelope
