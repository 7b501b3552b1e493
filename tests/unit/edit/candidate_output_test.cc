// CandidateConfig: what `show diff` prints, what validate() refuses (and names), and text() reloading
// to the very Policy the candidate describes.
#include <gtest/gtest.h>

#include "tests/unit/edit/edit_fixtures.h"

namespace sluice::control::edit {
namespace {

using testing::apply_all;
using testing::running_policy;
using testing::running_text;
using testing::ScratchDir;

const std::string kExamples = std::string(SLUICE_CONTROL_SOURCE_DIR) + "/examples";

TEST(CandidateOutput, DiffShowsChangedLinesWithTheirBlockAndEntry) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "set extip 192.0.2.11", "next", "edit new",
                                  "set extip 192.0.2.12", "set mappedip 10.0.0.26", "next", "end",
                                  "config mime limits", "set max-depth 30", "end", "config spamfilter rule",
                                  "delete lottery", "end"}),
            "");
  EXPECT_EQ(candidate.diff(),
            " config firewall vip\n"
            "     edit mail-in\n"
            "-        set extip 192.0.2.10\n"
            "+        set extip 192.0.2.11\n"
            "     next\n"
            "+    edit new\n"
            "+        set extip 192.0.2.12\n"
            "+        set mappedip 10.0.0.26\n"
            "+        set mappedport 0\n"
            "+        set ssl-profile \"\"\n"
            "+    next\n"
            " end\n"
            " config mime limits\n"
            "-    set max-depth 20\n"
            "+    set max-depth 30\n"
            " end\n"
            " config spamfilter rule\n"
            "-    edit lottery\n"
            "-        set scope header\n"
            "-        set header \"\"\n"
            "-        set pattern \"you won\"\n"
            "-        set score 4\n"
            "-        set caseless enable\n"
            "-    next\n"
            " end\n");
}

TEST(CandidateOutput, SettingTheRunningValueAgainIsNoChange) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "set extip 192.0.2.10", "end",
                                  "config mime limits", "set max-depth 20", "end"}),
            "");
  EXPECT_FALSE(candidate.dirty());
  EXPECT_EQ(candidate.diff(), "");
}

TEST(CandidateOutput, ValidateNamesAVipsUnknownSslProfile) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit mail-in", "set ssl-profile splise", "end"}), "");
  const Validation validation = candidate.validate();
  EXPECT_FALSE(validation.ok);
  EXPECT_EQ(validation.errors,
            (std::vector<std::string>{"firewall vip/mail-in: 'ssl-profile' wants the name of a 'config ssl profile' "
                                      "entry, got 'splise' (did you mean 'splice'?)"}));
}

TEST(CandidateOutput, DeletingAProfileAVipUsesFailsValidation) {
  Policy running = running_policy();
  running.vips[0].ssl_profile = "splice";
  CandidateConfig candidate(config::write_config(running), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config ssl profile", "delete splice", "end"}), "");
  EXPECT_EQ(candidate.validate().errors,
            (std::vector<std::string>{
                "firewall vip/mail-in: 'ssl-profile' wants the name of a 'config ssl profile' entry, got 'splice'"}));
}

// The certificate is named at 'set' (it may be copied into place before commit); validate() opens it.
TEST(CandidateOutput, ValidateOpensCertificateFilesAsTheLoaderDoes) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  CandidateConfig candidate(running_text(), dir.path());
  ASSERT_EQ(apply_all(candidate, {"config ssl profile", "edit protect", "set mode protecting-server",
                                  "set server-cert certs/mail.pem", "next", "end"}),
            "");
  const Validation missing = candidate.validate();
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.errors, (std::vector<std::string>{"ssl profile/protect: 'server-cert' cannot read '" + dir.path() +
                                                      "/certs/mail.pem': No such file or directory"}));
  std::filesystem::create_directories(dir.file("certs"));
  std::filesystem::copy_file(kExamples + "/mail.example.com-rsa.pem", dir.file("certs/mail.pem"));
  const Validation present = candidate.validate();
  ASSERT_TRUE(present.ok) << present.errors.front();
  EXPECT_EQ(present.policy.ssl_profiles[1].server_certs, (std::vector<std::string>{dir.file("certs/mail.pem")}));
}

TEST(CandidateOutput, ValidateReportsMissingRequiredKeysAndCrossBlockRules) {
  CandidateConfig candidate(running_text(), "/etc/sluice");
  ASSERT_EQ(apply_all(candidate, {"config firewall vip", "edit half", "set extip 192.0.2.9", "next", "end",
                                  "config system alertemail", "set status enable", "set username alerts", "end"}),
            "");
  EXPECT_EQ(candidate.validate().errors,
            (std::vector<std::string>{
                "firewall vip/half: entry 'half' in 'config firewall vip' is missing required setting 'mappedip'",
                "system alertemail: 'status' enable needs a 'server' in 'config system alertemail'",
                "system alertemail: 'status' enable needs at least one 'to' recipient in 'config system alertemail'",
                "system alertemail: 'username' needs a 'password' in 'config system alertemail'"}));
}

TEST(CandidateOutput, TextLoadsToTheSamePolicy) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.write("bad.txt", "192.0.2.0/24\n");
  CandidateConfig candidate(running_text(), dir.path());
  ASSERT_EQ(apply_all(candidate,
                      {"config ssl profile", "edit protect", "set mode protecting-server",
                       "set server-cert \"" + kExamples + "/mail.example.com-rsa.pem\" \"" + kExamples +
                           "/mail.example.com-ecdsa.pem\"",
                       "set min-version tls1.3", "next", "end", "config firewall vip", "edit mail-in",
                       "set ssl-profile protect", "set ports 25 465 587", "next", "end", "config reputation list",
                       "edit bad", "set file bad.txt", "set prefixes 198.51.100.0/24", "set score 7", "next", "end",
                       "config smtp envelope", R"(set sender-blocklist "\"odd user\"@example.org" .junk.example)", "end",
                       "config system alertemail", "set status enable", "set server relay.example.com",
                       "set to ops@example.com sec@example.com", "set queue-dir spool", "end", "config log syslogd",
                       "set status enable", "set server 2001:db8::53", "set mode tcp", "set facility local3", "end"}),
            "");
  const Validation validation = candidate.validate();
  ASSERT_TRUE(validation.ok) << validation.errors.front();
  const std::string text = candidate.text();
  const LoadResult reloaded = load_config_text(text, "show.conf", "/somewhere/else");
  ASSERT_TRUE(reloaded.ok()) << reloaded.errors.front().to_string();
  EXPECT_EQ(reloaded.policy, validation.policy);
  EXPECT_EQ(config::write_config(reloaded.policy), text);
  // What was typed is what runs.
  EXPECT_EQ(reloaded.policy.reputation_lists[0].file, dir.file("bad.txt"));
  EXPECT_EQ(reloaded.policy.alert_mail.queue_dir, dir.file("spool"));
  EXPECT_EQ(reloaded.policy.alert_mail.to, (std::vector<std::string>{"ops@example.com", "sec@example.com"}));
  EXPECT_EQ(reloaded.policy.syslog.transport, SyslogTransport::Tcp);
  EXPECT_EQ(reloaded.policy.syslog.facility, "local3");
  EXPECT_EQ(reloaded.policy.ssl_profiles[1].min_version, 0x0304);
  EXPECT_EQ(reloaded.policy.envelope.sender_blocklist,
            (std::vector<std::string>{"\"odd user\"@example.org", ".junk.example"}));
}

}  // namespace
}  // namespace sluice::control::edit
