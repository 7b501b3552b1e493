// Binding errors: exact file:line:col text for every kind, suggestions, the cap.
#include <gtest/gtest.h>

#include "tests/unit/control/load_helpers.h"

namespace sluice::control {
namespace {

using testing::error_lines;
using testing::load;
using Lines = std::vector<std::string>;

TEST(LoadErrors, UnknownSettingSuggestsTheClosestKey) {
  EXPECT_EQ(error_lines(load("config mime limits\n    set max-dept 7\n    set colour blue\nend\n")),
            (Lines{
                "t.conf:2:9: unknown setting 'max-dept' in 'config mime limits' (did you mean 'max-depth'?)",
                "t.conf:3:9: unknown setting 'colour' in 'config mime limits'",
            }));
}

TEST(LoadErrors, UnknownBlockSuggestsTheClosestPath) {
  EXPECT_EQ(error_lines(load("config mime limit\n set max-depth 3\nend\nconfig  routing table\nend\n")),
            (Lines{
                "t.conf:1:8: unknown block 'config mime limit' (did you mean 'config mime limits'?)",
                "t.conf:4:9: unknown block 'config routing table'",
            }));
}

TEST(LoadErrors, IntegerOutOfRangeOrNotANumber) {
  EXPECT_EQ(error_lines(load("config mime limits\n set max-depth ten\n set max-depth 0\n set max-depth 1001\n"
                             " set max-depth 7x\n set max-depth -1\nend\n")),
            (Lines{
                "t.conf:2:16: 'max-depth' wants an integer 1..1000, got 'ten'",
                "t.conf:3:16: 'max-depth' wants an integer 1..1000, got '0'",
                "t.conf:4:16: 'max-depth' wants an integer 1..1000, got '1001'",
                "t.conf:5:16: 'max-depth' wants an integer 1..1000, got '7x'",
                "t.conf:6:16: 'max-depth' wants an integer 1..1000, got '-1'",
            }));
}

TEST(LoadErrors, HugeIntegerIsRejectedNotWrapped) {
  EXPECT_EQ(error_lines(load("config scan budget\n set cycles-per-message 99999999999999999999999\nend\n")),
            (Lines{"t.conf:2:25: 'cycles-per-message' wants an integer 1000000..1000000000000, "
                   "got '99999999999999999999999'"}));
}

TEST(LoadErrors, SingleValueKeyGivenSeveral) {
  EXPECT_EQ(error_lines(load("config archive\n set max-depth 3 4 5\nend\n")),
            (Lines{"t.conf:2:18: 'max-depth' wants one value, got 3"}));
}

TEST(LoadErrors, ChoiceAndToggleWords) {
  EXPECT_EQ(error_lines(load("config antivirus\n set action rejct\n set builtin-eicar yes\nend\n"
                             "config scan budget\n set scan-timeout-action tag\nend\n"
                             "config smtp protocol-options\n set bare-newline fix\nend\n")),
            (Lines{
                "t.conf:2:13: 'action' wants one of pass|tag|quarantine|tempfail|reject, got 'rejct' "
                "(did you mean 'reject'?)",
                "t.conf:3:20: 'builtin-eicar' wants enable|disable, got 'yes'",
                "t.conf:6:26: 'scan-timeout-action' wants one of tempfail|pass|reject, got 'tag'",
                "t.conf:9:19: 'bare-newline' wants one of normalize|reject, got 'fix'",
            }));
}

TEST(LoadErrors, BlockIsAnAliasOnlyForOversizeAction) {
  EXPECT_TRUE(load("config smtp protocol-options\n set oversize-action block\nend\n").ok());
  EXPECT_EQ(error_lines(load("config antivirus\n set action block\nend\n")),
            (Lines{"t.conf:2:13: 'action' wants one of pass|tag|quarantine|tempfail|reject, got 'block'"}));
}

TEST(LoadErrors, PortsAndAddresses) {
  EXPECT_EQ(error_lines(load("config firewall vip\n edit a\n  set extip 1.2.3\n  set mappedip 10.0.0.1\n"
                             "  set ports 25 70000\n  set mappedport 65536\n next\nend\n")),
            (Lines{
                "t.conf:3:13: 'extip' wants an IPv4 or IPv6 address, got '1.2.3'",
                "t.conf:5:16: 'ports' wants port numbers 1..65535, got '70000'",
                "t.conf:6:18: 'mappedport' wants an integer 0..65535, got '65536'",
            }));
  EXPECT_EQ(error_lines(load("config smtp protocol-options\n set ports 0\nend\n")),
            (Lines{"t.conf:2:12: 'ports' wants port numbers 1..65535, got '0'"}));
}

TEST(LoadErrors, InterfacePrefixesNeedALengthWithinTheFamily) {
  EXPECT_TRUE(load("config system interface\n edit outside\n  set ip 198.51.100.1/24\n  set ip6 2001:db8::1/64\n"
                   " next\nend\n").ok());
  EXPECT_EQ(error_lines(load("config system interface\n edit inside\n  set ip 10.0.0.1\n  set ip6 fd00::1/129\n"
                             "  set gateway 10.0.0.300\n next\nend\n")),
            (Lines{
                "t.conf:3:10: 'ip' wants an address with a prefix length (10.0.0.1/24, fd00::1/64), got '10.0.0.1'",
                "t.conf:4:11: 'ip6' wants an address with a prefix length (10.0.0.1/24, fd00::1/64), got 'fd00::1/129'",
                "t.conf:5:15: 'gateway' wants an IPv4 or IPv6 address, got '10.0.0.300'",
            }));
}

TEST(LoadErrors, EmptyPathInAList) {
  EXPECT_EQ(error_lines(load("config antivirus\n set signature-files a.ndb \"\"\nend\n")),
            (Lines{"t.conf:2:28: 'signature-files' wants file paths, got an empty string"}));
}

TEST(LoadErrors, EditInASettingsBlockAndSetInATable) {
  EXPECT_EQ(error_lines(load("config mime limits\n edit \"x\"\n  set max-depth 3\n next\nend\n"
                             "config firewall vip\n set extip 1.2.3.4\n unset ports\nend\n")),
            (Lines{
                "t.conf:2:2: 'config mime limits' is a settings block: 'edit' is not allowed here",
                "t.conf:7:2: 'config firewall vip' is a table: 'set' belongs inside 'edit \"<name>\"' ... 'next'",
                "t.conf:8:2: 'config firewall vip' is a table: 'unset' belongs inside 'edit \"<name>\"' ... 'next'",
            }));
}

TEST(LoadErrors, DuplicateEntryNamesAcrossBlocksOfTheSameTable) {
  const LoadResult result = load(
      "config spamfilter rule\n edit r\n  set pattern a\n next\nend\n"
      "config spamfilter rule\n edit \"r\"\n  set pattern b\n next\nend\n");
  EXPECT_EQ(error_lines(result),
            (Lines{"t.conf:7:7: duplicate entry 'r' in 'config spamfilter rule' (first defined at 2:7)"}));
  ASSERT_EQ(result.policy.spam.rules.size(), 1u);
  EXPECT_EQ(result.policy.spam.rules[0].pattern, "a");
}

TEST(LoadErrors, MissingRequiredSettingsAndEmptyName) {
  EXPECT_EQ(error_lines(load("config firewall vip\n edit a\n  set extip 192.0.2.1\n next\n edit \"\"\n next\nend\n"
                             "config spamfilter rule\n edit r\n  set pattern x\n  unset pattern\n next\nend\n")),
            (Lines{
                "t.conf:2:2: entry 'a' in 'config firewall vip' is missing required setting 'mappedip'",
                "t.conf:5:7: 'edit' wants a non-empty name in 'config firewall vip'",
                "t.conf:9:2: entry 'r' in 'config spamfilter rule' is missing required setting 'pattern'",
            }));
}

TEST(LoadErrors, BadValueOfARequiredKeyIsReportedOnce) {
  EXPECT_EQ(error_lines(load("config firewall vip\n edit a\n  set extip nowhere\n  set mappedip 10.0.0.1\n next\nend\n")),
            (Lines{"t.conf:3:13: 'extip' wants an IPv4 or IPv6 address, got 'nowhere'"}));
}

TEST(LoadErrors, SyntaxAndSchemaErrorsAreAllReportedInOneLoadInFileOrder) {
  const LoadResult result = load(
      "config mime limits\n"
      "  set max-dept 7\n"
      "  set max-parts many\n"
      "end\n"
      "set outside 1\n"
      "config archive\n"
      "  set scan-bzip2 maybe\n"
      "  set max-depth 2\n");
  EXPECT_EQ(error_lines(result),
            (Lines{
                "t.conf:2:7: unknown setting 'max-dept' in 'config mime limits' (did you mean 'max-depth'?)",
                "t.conf:3:17: 'max-parts' wants an integer 1..100000, got 'many'",
                "t.conf:5:1: 'set' outside a 'config' block",
                "t.conf:7:18: 'scan-bzip2' wants enable|disable, got 'maybe'",
                "t.conf:9:1: expected 'end' before end of file (block opened at 6:1)",
            }));
  // What was valid still bound, so a caller could show it.
  EXPECT_EQ(result.policy.archive.max_depth, 2u);
}

TEST(LoadErrors, StopsAfterTwentyErrors) {
  std::string text = "config mime limits\n";
  for (int i = 0; i < 30; ++i) text += " set max-depth x" + std::to_string(i) + "\n";
  text += "end\n";
  const Lines lines = error_lines(load(text));
  ASSERT_EQ(lines.size(), 20u);
  EXPECT_EQ(lines.back(), "t.conf:21:16: 'max-depth' wants an integer 1..1000, got 'x19'");
}

TEST(LoadErrors, ErrorWithoutPositionPrintsFileOnly) {
  EXPECT_EQ((ConfigError{"a.conf", 0, 0, "boom"}.to_string()), "a.conf: boom");
  EXPECT_EQ((ConfigError{"a.conf", 3, 4, "boom"}.to_string()), "a.conf:3:4: boom");
}

}  // namespace
}  // namespace sluice::control
