// CandidateConfig: every refused statement says precisely why and leaves candidate and cursor as they were.
#include <gtest/gtest.h>

#include "tests/unit/edit/edit_fixtures.h"

namespace sluice::control::edit {
namespace {

using testing::apply_all;
using testing::running_text;

// Applies `setup`, then expects `statement` to be refused with exactly `message`, the candidate text
// and the cursor unchanged.
void expect_refused(const std::vector<std::string>& setup, const std::string& statement, const std::string& message) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, setup), "");
  const std::string text = candidate.text();
  const std::string context = candidate.context();
  std::string error;
  EXPECT_FALSE(candidate.apply(statement, &error)) << statement;
  EXPECT_EQ(error, message) << statement;
  EXPECT_EQ(candidate.text(), text) << statement;
  EXPECT_EQ(candidate.context(), context) << statement;
}

TEST(CandidateErrors, UnknownBlockSuggestsTheClosest) {
  expect_refused({}, "config firewall vipp", "unknown block 'firewall vipp' (did you mean 'firewall vip'?)");
  expect_refused({}, "config nonsense here", "unknown block 'nonsense here'");
}

TEST(CandidateErrors, UnknownCommandSuggestsTheClosest) {
  expect_refused({"config mime limits"}, "sett max-depth 3",
                 "unknown command 'sett' (expected config, edit, set, unset, delete, next, end or abort) "
                 "(did you mean 'set'?)");
}

TEST(CandidateErrors, UnknownKeySuggestsTheClosest) {
  expect_refused({"config firewall vip", "edit mail-in"}, "set extipp 192.0.2.1",
                 "unknown key 'extipp' in 'config firewall vip' (did you mean 'extip'?)");
  expect_refused({"config mime limits"}, "unset max-dept",
                 "unknown key 'max-dept' in 'config mime limits' (did you mean 'max-depth'?)");
}

TEST(CandidateErrors, BadValuesAreRefusedAtSet) {
  expect_refused({"config firewall vip", "edit mail-in"}, "set extip 192.0.2.300",
                 "bad value for 'extip': wants an IPv4 or IPv6 address, got '192.0.2.300'");
  expect_refused({"config firewall vip", "edit mail-in"}, "set ports 25 70000",
                 "bad value for 'ports': wants port numbers 1..65535, got '70000'");
  expect_refused({"config firewall vip", "edit mail-in"}, "set mappedport 65536",
                 "bad value for 'mappedport': wants an integer 0..65535, got '65536'");
  expect_refused({"config antivirus"}, "set action block",
                 "bad value for 'action': wants one of pass|tag|quarantine|tempfail|reject, got 'block'");
  expect_refused({"config mime limits"}, "set max-depth", "'set max-depth' wants a value (use 'unset' to restore the default)");
}

TEST(CandidateErrors, SetOutsideABlockOrOutsideAnEntry) {
  expect_refused({}, "set max-depth 3", "'set' outside a 'config' block");
  expect_refused({}, "unset max-depth", "'unset' outside a 'config' block");
  expect_refused({"config firewall vip"}, "set extip 192.0.2.1",
                 "'set' outside an entry of a table block: 'edit \"<name>\"' first in 'config firewall vip'");
}

TEST(CandidateErrors, CursorStatementsOutOfPlace) {
  expect_refused({"config firewall vip"}, "next", "'next' outside 'edit': no entry is open");
  expect_refused({}, "next", "'next' outside 'edit': no entry is open");
  expect_refused({}, "end", "'end' at top level: no 'config' block is open");
  expect_refused({}, "abort", "'abort' outside a 'config' block");
  expect_refused({}, "edit mail-in", "'edit' outside a 'config' block");
  expect_refused({"config mime limits"}, "edit x",
                 "'config mime limits' is a settings block: 'edit' is not allowed here (use 'set')");
  expect_refused({"config firewall vip", "edit mail-in"}, "edit other",
                 "'edit' inside entry 'mail-in' of 'config firewall vip': 'next' first");
  expect_refused({"config mime limits"}, "config archive",
                 "'config' inside 'config mime limits': leave it with 'end' or 'abort' first");
  expect_refused({"config firewall vip", "edit mail-in"}, "next now", "'next' takes no arguments");
}

TEST(CandidateErrors, DeleteOfAnUnknownEntry) {
  expect_refused({"config firewall vip"}, "delete mail-ni",
                 "no entry 'mail-ni' in 'config firewall vip' (did you mean 'mail-in'?)");
  expect_refused({"config mime limits"}, "delete x",
                 "'config mime limits' is a settings block: 'delete' removes entries of a table block");
}

TEST(CandidateErrors, LexicalProblems) {
  expect_refused({"config spamfilter rule", "edit lottery"}, "set pattern \"open", "unterminated string (missing closing '\"')");
  expect_refused({}, "   # only a comment", "empty statement");
  expect_refused({}, "config mime limits\nset max-depth 3", "one statement per line");
}

}  // namespace
}  // namespace sluice::control::edit
