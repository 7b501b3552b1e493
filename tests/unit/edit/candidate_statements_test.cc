// CandidateConfig: every statement kind moves the cursor and changes the candidate as FortiOS does.
#include <gtest/gtest.h>

#include "tests/unit/edit/edit_fixtures.h"

namespace sluice::control::edit {
namespace {

using testing::apply_all;
using testing::running_policy;
using testing::running_text;
using testing::ScratchDir;

TEST(CandidateStatements, StartsAsTheRunningConfigurationAtTopLevel) {
  const CandidateConfig candidate(running_text(), "/etc/sluice");
  EXPECT_EQ(candidate.text(), running_text());
  EXPECT_FALSE(candidate.dirty());
  EXPECT_EQ(candidate.diff(), "");
  EXPECT_EQ(candidate.context(), "");
  const Validation validation = candidate.validate();
  EXPECT_TRUE(validation.ok) << (validation.errors.empty() ? "" : validation.errors.front());
  EXPECT_EQ(validation.policy, running_policy());
}

TEST(CandidateStatements, ConfigSetEndInASettingsBlock) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  std::string error;
  ASSERT_TRUE(candidate.apply("config mime limits", &error)) << error;
  EXPECT_EQ(candidate.context(), "mime limits");
  ASSERT_TRUE(candidate.apply("set max-depth 30", &error)) << error;
  ASSERT_TRUE(candidate.apply("end", &error)) << error;
  EXPECT_EQ(candidate.context(), "");
  EXPECT_TRUE(candidate.dirty());
  EXPECT_EQ(candidate.validate().policy.mime.max_depth, 30u);
}

TEST(CandidateStatements, SetReplacesTheKeysEarlierSetting) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config mime limits", "set max-depth 30", "set max-depth 31", "end"}), "");
  const std::string text = candidate.text();
  EXPECT_NE(text.find("    set max-depth 31\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("    set max-depth 30\n"), std::string::npos) << text;
  EXPECT_EQ(candidate.validate().policy.mime.max_depth, 31u);
}

TEST(CandidateStatements, UnsetRestoresTheDefault) {
  Policy running = running_policy();
  running.greylist.delay_s = 60;
  CandidateConfig candidate(config::write_config(running), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config greylist", "unset delay", "end"}), "");
  EXPECT_EQ(candidate.validate().policy.greylist.delay_s, GreylistSettings{}.delay_s);
  EXPECT_EQ(candidate.text(), running_text());
}

TEST(CandidateStatements, EditOfANewNameCreatesTheEntryAndNextClosesIt) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  std::string error;
  ASSERT_TRUE(candidate.apply("config firewall vip", &error)) << error;
  ASSERT_TRUE(candidate.apply("edit \"mail out\"", &error)) << error;
  EXPECT_EQ(candidate.context(), "firewall vip/mail out");
  ASSERT_EQ(apply_all(candidate, {"set extip 2001:db8::25", "set mappedip fd00::25", "set ports 25 587"}), "");
  ASSERT_TRUE(candidate.apply("next", &error)) << error;
  EXPECT_EQ(candidate.context(), "firewall vip");
  ASSERT_TRUE(candidate.apply("end", &error)) << error;
  const Validation validation = candidate.validate();
  ASSERT_TRUE(validation.ok) << validation.errors.front();
  ASSERT_EQ(validation.policy.vips.size(), 2u);
  EXPECT_EQ(validation.policy.vips[1],
            (Vip{.name = "mail out", .extip = "2001:db8::25", .mappedip = "fd00::25", .ports = {25, 587}}));
}

TEST(CandidateStatements, EditOfAnExistingNameChangesThatEntry) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "set ssl-profile splice", "next", "end"}), "");
  const Validation validation = candidate.validate();
  ASSERT_TRUE(validation.ok) << validation.errors.front();
  ASSERT_EQ(validation.policy.vips.size(), 1u);
  EXPECT_EQ(validation.policy.vips[0].ssl_profile, "splice");
  EXPECT_EQ(validation.policy.vips[0].extip, "192.0.2.10");
}

TEST(CandidateStatements, UnsetInsideAnEntry) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "unset ports", "next", "end"}), "");
  EXPECT_TRUE(candidate.validate().policy.vips[0].ports.empty());
}

TEST(CandidateStatements, DeleteRemovesATableEntry) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config spamfilter rule", "delete lottery", "end"}), "");
  EXPECT_TRUE(candidate.validate().policy.spam.rules.empty());
  EXPECT_EQ(candidate.text().find("edit lottery"), std::string::npos);
}

TEST(CandidateStatements, EndInsideAnEntryClosesEntryAndBlock) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "set mappedport 2525", "end"}), "");
  EXPECT_EQ(candidate.context(), "");
  EXPECT_EQ(candidate.validate().policy.vips[0].mappedport, 2525);
}

TEST(CandidateStatements, AbortDiscardsWhatChangedInTheBlockSinceConfig) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  // A change in another block, committed to the candidate by 'end', survives the abort.
  ASSERT_EQ(apply_all(candidate, {"config mime limits", "set max-parts 10", "end"}), "");
  const std::string before = candidate.text();
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "set extip 192.0.2.99", "next",
                                  "edit new-vip", "set extip 192.0.2.7", "next", "delete mail-in"}),
            "");
  std::string error;
  ASSERT_TRUE(candidate.apply("abort", &error)) << error;
  EXPECT_EQ(candidate.context(), "");
  EXPECT_EQ(candidate.text(), before);
  EXPECT_EQ(candidate.validate().policy.mime.max_parts, 10u);
}

TEST(CandidateStatements, QuotingFollowsTheConfigurationLanguage) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config spamfilter rule", "edit \"wire transfer\"",
                                  R"(set pattern "wire \"urgent\" transfer"  # a comment)", "set scope body",
                                  "next", "end"}),
            "");
  const Validation validation = candidate.validate();
  ASSERT_TRUE(validation.ok) << validation.errors.front();
  ASSERT_EQ(validation.policy.spam.rules.size(), 2u);
  EXPECT_EQ(validation.policy.spam.rules[1].name, "wire transfer");
  EXPECT_EQ(validation.policy.spam.rules[1].pattern, "wire \"urgent\" transfer");
  EXPECT_FALSE(validation.policy.spam.rules[1].header_scope);
}

TEST(CandidateStatements, RelativePathsResolveAgainstTheBaseDirectory) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config antivirus", "set signature-files sig/main.ndb /abs/x.hdb", "end"}), "");
  EXPECT_EQ(candidate.validate().policy.antivirus.signature_files,
            (std::vector<std::string>{"/etc/sluice/sig/main.ndb", "/abs/x.hdb"}));
  EXPECT_NE(candidate.text().find("    set signature-files /etc/sluice/sig/main.ndb /abs/x.hdb\n"), std::string::npos);
}

TEST(CandidateStatements, ResetMakesANewRunningConfigurationTheCandidate) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config mime limits", "set max-parts 10"}), "");
  const std::string committed = candidate.text();
  candidate.reset(committed);
  EXPECT_EQ(candidate.context(), "");
  EXPECT_FALSE(candidate.dirty());
  EXPECT_EQ(candidate.diff(), "");
  EXPECT_EQ(candidate.validate().policy.mime.max_parts, 10u);
}

TEST(CandidateStatements, IsStatementNamesTheEightStatements) {
  for (const char* word : {"config", "edit", "set", "unset", "delete", "next", "end", "abort"}) {
    EXPECT_TRUE(CandidateConfig::is_statement(word)) << word;
  }
  for (const char* word : {"show", "commit", "rollback", "", "Set", "purge"}) {
    EXPECT_FALSE(CandidateConfig::is_statement(word)) << word;
  }
}

TEST(CandidateStatements, CompletionsFollowTheCursor) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  EXPECT_EQ(candidate.completions("e"), (std::vector<std::string>{"edit", "end"}));
  EXPECT_EQ(candidate.completions("config fire"), (std::vector<std::string>{"firewall"}));
  EXPECT_EQ(candidate.completions("config system "),
            (std::vector<std::string>{"alertemail", "control", "interface", "prometheus", "session", "tcp", "tls"}));
  EXPECT_EQ(candidate.completions("config log s"), (std::vector<std::string>{"settings", "syslogd"}));
  EXPECT_TRUE(candidate.completions("set ").empty());  // no block open: no keys to offer
  ASSERT_EQ(apply_all(candidate, {"config firewall vip"}), "");
  EXPECT_EQ(candidate.completions("edit "), (std::vector<std::string>{"mail-in"}));
  EXPECT_EQ(candidate.completions("delete m"), (std::vector<std::string>{"mail-in"}));
  ASSERT_EQ(apply_all(candidate, {"edit mail-in"}), "");
  EXPECT_EQ(candidate.completions("set m"), (std::vector<std::string>{"mappedip", "mappedport"}));
  EXPECT_EQ(candidate.completions("unset ssl"), (std::vector<std::string>{"ssl-profile"}));
  ASSERT_EQ(apply_all(candidate, {"end", "config system alertemail"}), "");
  EXPECT_EQ(candidate.completions("set secure-option s"), (std::vector<std::string>{"smtps", "starttls"}));
  EXPECT_EQ(candidate.completions("set status "), (std::vector<std::string>{"disable", "enable"}));
  ASSERT_EQ(apply_all(candidate, {"end", "config antivirus"}), "");
  // Sorted, as the command completions are (keys are kept in schema order; cli_command_fuzz found it).
  EXPECT_EQ(candidate.completions("set "), (std::vector<std::string>{"action", "builtin-eicar", "signature-files"}));
}

}  // namespace
}  // namespace sluice::control::edit
