// Binding the keys of issue 4: the new smtp and scan-budget keys, smtp envelope, reputation settings and
// lists, greylist, quarantine — defaults, every key set, and the exact error of every bad value.
#include <gtest/gtest.h>

#include "tests/unit/control/load_helpers.h"

namespace sluice::control {
namespace {

using testing::error_lines;
using testing::load;
using Lines = std::vector<std::string>;

TEST(LoadEnvelope, EmptyTextGivesTheDocumentedDefaults) {
  const LoadResult result = load("");
  ASSERT_TRUE(result.ok());
  const Policy& p = result.policy;
  EXPECT_TRUE(p.smtp.chunking);
  EXPECT_EQ(p.smtp.hold_limit_kb, 256u);
  EXPECT_EQ(p.smtp.long_line_action, Action::Pass);
  EXPECT_EQ(p.smtp.max_errors, 20u);
  EXPECT_EQ(p.smtp.command_timeout_s, 300u);
  EXPECT_EQ(p.smtp.min_data_rate, 500u);
  EXPECT_EQ(p.scan.slice_cycles, 1'000'000u);
  EXPECT_EQ(p.scan.verdict_timeout_ms, 30000u);
  EXPECT_TRUE(p.envelope.protected_domains.empty());
  EXPECT_TRUE(p.envelope.sender_blocklist.empty());
  EXPECT_TRUE(p.envelope.sender_safelist.empty());
  EXPECT_TRUE(p.envelope.recipient_blocklist.empty());
  EXPECT_TRUE(p.envelope.recipient_safelist.empty());
  EXPECT_EQ(p.reputation.reject_threshold, 5);
  EXPECT_EQ(p.reputation.tempfail_threshold, 0);
  EXPECT_TRUE(p.reputation_lists.empty());
  EXPECT_FALSE(p.greylist.enabled);
  EXPECT_EQ(p.greylist.delay_s, 300u);
  EXPECT_EQ(p.greylist.retry_window_s, 2u * 86400);
  EXPECT_EQ(p.greylist.lifetime_s, 35u * 86400);
  EXPECT_EQ(p.greylist.max_entries, 100000u);
  EXPECT_EQ(p.greylist.ipv4_prefix, 24u);
  EXPECT_EQ(p.greylist.ipv6_prefix, 64u);
  EXPECT_EQ(p.quarantine.directory, "");
  EXPECT_EQ(p.quarantine.after_action, Action::Reject);
  EXPECT_EQ(p.quarantine.max_size_mb, 25u);
}

TEST(LoadEnvelope, SmtpAndScanBudgetKeysAtTheirBounds) {
  const LoadResult result = load(
      "config smtp protocol-options\n set chunking disable\n set hold-limit 0\n set long-line-action reject\n"
      " set max-errors 1000\n set command-timeout 1\n set min-data-rate 0\nend\n"
      "config scan budget\n set slice-cycles 10000000000\n set verdict-timeout 100\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_FALSE(result.policy.smtp.chunking);
  EXPECT_EQ(result.policy.smtp.hold_limit_kb, 0u);
  EXPECT_EQ(result.policy.smtp.long_line_action, Action::Reject);
  EXPECT_EQ(result.policy.smtp.max_errors, 1000u);
  EXPECT_EQ(result.policy.smtp.command_timeout_s, 1u);
  EXPECT_EQ(result.policy.smtp.min_data_rate, 0u);
  EXPECT_EQ(result.policy.scan.slice_cycles, 10'000'000'000u);
  EXPECT_EQ(result.policy.scan.verdict_timeout_ms, 100u);
  const LoadResult low = load("config smtp protocol-options\n set hold-limit 65536\n set max-errors 1\nend\n"
                              "config scan budget\n set slice-cycles 10000\n set verdict-timeout 600000\nend\n");
  ASSERT_TRUE(low.ok()) << error_lines(low).front();
  EXPECT_EQ(low.policy.smtp.hold_limit_kb, 65536u);
  EXPECT_EQ(low.policy.scan.slice_cycles, 10'000u);
  EXPECT_EQ(low.policy.scan.verdict_timeout_ms, 600000u);
}

TEST(LoadEnvelope, SmtpAndScanBudgetBadValues) {
  EXPECT_EQ(error_lines(load("config smtp protocol-options\n set chunking on\n set hold-limit 65537\n"
                             " set long-line-action tag\n set max-errors 0\nend\n"
                             "config scan budget\n set slice-cycles 9999\n set verdict-timeout 600001\nend\n")),
            (Lines{
                "t.conf:2:15: 'chunking' wants enable|disable, got 'on'",
                "t.conf:3:17: 'hold-limit' wants an integer 0..65536, got '65537'",
                "t.conf:4:23: 'long-line-action' wants one of pass|reject, got 'tag'",
                "t.conf:5:17: 'max-errors' wants an integer 1..1000, got '0'",
                "t.conf:8:19: 'slice-cycles' wants an integer 10000..10000000000, got '9999'",
                "t.conf:9:22: 'verdict-timeout' wants an integer 100..600000, got '600001'",
            }));
}

TEST(LoadEnvelope, EnvelopeListsAreKeptAsWritten) {
  const LoadResult result = load(
      "config smtp envelope\n"
      " set protected-domains Example.COM .example.net [192.0.2.1] bücher.example\n"
      " set sender-blocklist Spammer@Example.org @bulk.example bulk2.example .junk.example\n"
      " set sender-safelist \"\\\"odd user\\\"@partner.example\"\n"
      " set recipient-blocklist gone@example.com\n"
      " set recipient-safelist abuse@example.com postmaster@[192.0.2.1]\n"
      "end\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const EnvelopeSettings& e = result.policy.envelope;
  EXPECT_EQ(e.protected_domains, (std::vector<std::string>{"Example.COM", ".example.net", "[192.0.2.1]", "bücher.example"}));
  EXPECT_EQ(e.sender_blocklist,
            (std::vector<std::string>{"Spammer@Example.org", "@bulk.example", "bulk2.example", ".junk.example"}));
  EXPECT_EQ(e.sender_safelist, (std::vector<std::string>{"\"odd user\"@partner.example"}));
  EXPECT_EQ(e.recipient_blocklist, (std::vector<std::string>{"gone@example.com"}));
  EXPECT_EQ(e.recipient_safelist, (std::vector<std::string>{"abuse@example.com", "postmaster@[192.0.2.1]"}));
}

TEST(LoadEnvelope, BadDomainsAndAddressPatterns) {
  EXPECT_EQ(error_lines(load("config smtp envelope\n"
                             " set protected-domains example.com user@example.com\n"
                             " set protected-domains ..example.com\n"
                             " set protected-domains example..com\n"
                             " set protected-domains \"\"\n"
                             " set sender-blocklist user@\n"
                             " set sender-blocklist @\n"
                             " set recipient-safelist \"a <b>@example.com\"\n"
                             " set recipient-blocklist .\n"
                             " set sender-safelist example.com.\n"
                             "end\n")),
            (Lines{
                "t.conf:2:36: 'protected-domains' wants domains (example.com, .example.com), got 'user@example.com'",
                "t.conf:3:24: 'protected-domains' wants domains (example.com, .example.com), got '..example.com'",
                "t.conf:4:24: 'protected-domains' wants domains (example.com, .example.com), got 'example..com'",
                "t.conf:5:24: 'protected-domains' wants domains (example.com, .example.com), got ''",
                "t.conf:6:23: 'sender-blocklist' wants addresses or domains (user@example.com, @example.com, "
                "example.com, .example.com), got 'user@'",
                "t.conf:7:23: 'sender-blocklist' wants addresses or domains (user@example.com, @example.com, "
                "example.com, .example.com), got '@'",
                "t.conf:8:25: 'recipient-safelist' wants addresses or domains (user@example.com, @example.com, "
                "example.com, .example.com), got 'a <b>@example.com'",
                "t.conf:9:26: 'recipient-blocklist' wants addresses or domains (user@example.com, @example.com, "
                "example.com, .example.com), got '.'",
                "t.conf:10:22: 'sender-safelist' wants addresses or domains (user@example.com, @example.com, "
                "example.com, .example.com), got 'example.com.'",
            }));
}

TEST(LoadEnvelope, ABadWordLeavesTheListAsItWas) {
  const LoadResult result = load("config smtp envelope\n set sender-blocklist a.example\n"
                                 " set sender-blocklist b.example c@\nend\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.policy.envelope.sender_blocklist, (std::vector<std::string>{"a.example"}));
}

TEST(LoadEnvelope, ReputationSettingsAndLists) {
  const LoadResult result = load(
      "config reputation settings\n set reject-threshold -1000\n set tempfail-threshold 1000\nend\n"
      "config reputation list\n"
      " edit local-bad\n  set prefixes 192.0.2.0/24 0.0.0.0/0 ::/0 2001:db8::/32 198.51.100.7 2001:db8::1\n"
      "  set prefixes 192.0.2.0/24 ::ffff:10.0.0.0/104 10.0.0.1/32 2001:db8::1/128\n"
      "  set file lists/bad.txt\n  set score -1000\n next\n"
      " edit empty\n next\n"
      "end\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.reputation.reject_threshold, -1000);
  EXPECT_EQ(result.policy.reputation.tempfail_threshold, 1000);
  ASSERT_EQ(result.policy.reputation_lists.size(), 2u);
  const ReputationList& bad = result.policy.reputation_lists[0];
  EXPECT_EQ(bad.name, "local-bad");
  EXPECT_EQ(bad.prefixes,
            (std::vector<std::string>{"192.0.2.0/24", "::ffff:10.0.0.0/104", "10.0.0.1/32", "2001:db8::1/128"}));
  EXPECT_EQ(bad.file, "/etc/sluice/lists/bad.txt");
  EXPECT_EQ(bad.score, -1000);
  const ReputationList& empty = result.policy.reputation_lists[1];
  EXPECT_TRUE(empty.prefixes.empty());
  EXPECT_EQ(empty.file, "");
  EXPECT_EQ(empty.score, 1);
}

TEST(LoadEnvelope, BadPrefixesAndScores) {
  EXPECT_EQ(error_lines(load("config reputation list\n edit x\n"
                             "  set prefixes 192.0.2.0/33\n"
                             "  set prefixes 10.1.2.3/8\n"
                             "  set prefixes 2001:db8::1/64\n"
                             "  set prefixes 192.0.2.0/\n"
                             "  set prefixes 192.0.2.0/-0\n"
                             "  set prefixes example.com\n"
                             "  set prefixes 192.0.2.0/24 fd00::/129\n"
                             "  set score 1001\n"
                             " next\nend\n"
                             "config reputation settings\n set tempfail-threshold -1001\nend\n")),
            (Lines{
                "t.conf:3:16: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got '192.0.2.0/33'",
                "t.conf:4:16: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got '10.1.2.3/8' "
                "(host bits set after /8)",
                "t.conf:5:16: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got '2001:db8::1/64' "
                "(host bits set after /64)",
                "t.conf:6:16: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got '192.0.2.0/'",
                "t.conf:7:16: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got '192.0.2.0/-0'",
                "t.conf:8:16: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got 'example.com'",
                "t.conf:9:29: 'prefixes' wants network prefixes (192.0.2.0/24, 2001:db8::/32), got 'fd00::/129'",
                "t.conf:10:13: 'score' wants an integer -1000..1000, got '1001'",
                "t.conf:14:25: 'tempfail-threshold' wants an integer -1000..1000, got '-1001'",
            }));
}

TEST(LoadEnvelope, ReputationListNamesAreUniqueAndSetBelongsInEdit) {
  EXPECT_EQ(error_lines(load("config reputation list\n edit a\n next\n edit a\n next\n set score 3\nend\n")),
            (Lines{
                "t.conf:4:7: duplicate entry 'a' in 'config reputation list' (first defined at 2:7)",
                "t.conf:6:2: 'config reputation list' is a table: 'set' belongs inside 'edit \"<name>\"' ... 'next'",
            }));
}

TEST(LoadEnvelope, GreylistAtItsBounds) {
  const LoadResult result = load("config greylist\n set status enable\n set delay 0\n set retry-window 60\n"
                                 " set lifetime 31536000\n set max-entries 16777216\n set ipv4-prefix 32\n"
                                 " set ipv6-prefix 128\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const GreylistSettings& g = result.policy.greylist;
  EXPECT_TRUE(g.enabled);
  EXPECT_EQ(g.delay_s, 0u);
  EXPECT_EQ(g.retry_window_s, 60u);
  EXPECT_EQ(g.lifetime_s, 365u * 86400);
  EXPECT_EQ(g.max_entries, 16u << 20);
  EXPECT_EQ(g.ipv4_prefix, 32u);
  EXPECT_EQ(g.ipv6_prefix, 128u);
  const LoadResult other = load("config greylist\n set delay 86400\n set retry-window 2592000\n set lifetime 60\n"
                                " set max-entries 1024\n set ipv4-prefix 8\n set ipv6-prefix 32\nend\n");
  ASSERT_TRUE(other.ok()) << error_lines(other).front();
  EXPECT_EQ(other.policy.greylist.retry_window_s, 30u * 86400);
  EXPECT_EQ(other.policy.greylist.ipv4_prefix, 8u);
}

TEST(LoadEnvelope, GreylistBadValues) {
  EXPECT_EQ(error_lines(load("config greylist\n set status yes\n set delay 86401\n set retry-window 59\n"
                             " set lifetime 31536001\n set max-entries 1023\n set ipv4-prefix 7\n"
                             " set ipv6-prefix 129\nend\n")),
            (Lines{
                "t.conf:2:13: 'status' wants enable|disable, got 'yes'",
                "t.conf:3:12: 'delay' wants an integer 0..86400, got '86401'",
                "t.conf:4:19: 'retry-window' wants an integer 60..2592000, got '59'",
                "t.conf:5:15: 'lifetime' wants an integer 60..31536000, got '31536001'",
                "t.conf:6:18: 'max-entries' wants an integer 1024..16777216, got '1023'",
                "t.conf:7:18: 'ipv4-prefix' wants an integer 8..32, got '7'",
                "t.conf:8:18: 'ipv6-prefix' wants an integer 32..128, got '129'",
            }));
}

TEST(LoadEnvelope, Quarantine) {
  const LoadResult result =
      load("config quarantine\n set directory q\n set action pass\n set max-size 1024\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.quarantine.directory, "/etc/sluice/q");
  EXPECT_EQ(result.policy.quarantine.after_action, Action::Pass);
  EXPECT_EQ(result.policy.quarantine.max_size_mb, 1024u);
  EXPECT_EQ(error_lines(load("config quarantine\n set action quarantine\n set max-size 0\n set directory a b\nend\n")),
            (Lines{
                "t.conf:2:13: 'action' wants one of reject|pass, got 'quarantine'",
                "t.conf:3:15: 'max-size' wants an integer 1..1024, got '0'",
                "t.conf:4:18: 'directory' wants one value, got 2",
            }));
}

}  // namespace
}  // namespace sluice::control
