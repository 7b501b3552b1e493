// Binding: defaults, every key of every block, lists, unset, path resolution.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/control/load_helpers.h"

namespace sluice::control {
namespace {

using testing::error_lines;
using testing::load;

TEST(LoadKeys, EmptyTextGivesTheDocumentedDefaults) {
  const LoadResult result = load("# nothing here\n");
  ASSERT_TRUE(result.ok());
  const Policy& p = result.policy;
  EXPECT_TRUE(p.vips.empty());
  EXPECT_EQ(p.smtp.ports, (std::vector<uint16_t>{25, 465, 587}));
  EXPECT_EQ(p.smtp.oversize_limit_mb, 10u);
  EXPECT_EQ(p.smtp.oversize_action, Action::Reject);
  EXPECT_EQ(p.smtp.max_recipients, 1000u);
  EXPECT_EQ(p.smtp.max_command_line, 2048u);
  EXPECT_EQ(p.smtp.max_line_length, 2048u);
  EXPECT_EQ(p.smtp.bare_newline, BareNewlinePolicy::Normalize);
  EXPECT_EQ(p.mime.max_depth, 20u);
  EXPECT_EQ(p.mime.max_parts, 1000u);
  EXPECT_EQ(p.mime.max_header_size, 102400u);
  EXPECT_EQ(p.mime.max_line_length, 2048u);
  EXPECT_EQ(p.mime.max_boundary_length, 2048u);
  EXPECT_EQ(p.mime.ambiguity_action, Action::Reject);
  EXPECT_EQ(p.archive.uncompressed_oversize_limit_mb, 10u);
  EXPECT_EQ(p.archive.max_ratio, 100u);
  EXPECT_EQ(p.archive.max_depth, 5u);
  EXPECT_EQ(p.archive.max_entries, 1000u);
  EXPECT_TRUE(p.archive.scan_bzip2);
  EXPECT_EQ(p.archive.bomb_action, Action::Reject);
  EXPECT_EQ(p.archive.encrypted_action, Action::Pass);
  EXPECT_TRUE(p.antivirus.signature_files.empty());
  EXPECT_TRUE(p.antivirus.builtin_eicar);
  EXPECT_EQ(p.antivirus.action, Action::Reject);
  EXPECT_TRUE(p.url_filter.domain_lists.empty());
  EXPECT_TRUE(p.url_filter.url_lists.empty());
  EXPECT_EQ(p.url_filter.action, Action::Reject);
  EXPECT_EQ(p.spam.tag_threshold, 5);
  EXPECT_EQ(p.spam.reject_threshold, 10);
  EXPECT_TRUE(p.spam.rules.empty());
  EXPECT_EQ(p.scan.cycles_per_message, 2'000'000'000u);
  EXPECT_EQ(p.scan.scan_timeout_action, Action::Tempfail);
  EXPECT_EQ(p.log.file, "");
  EXPECT_TRUE(p.log.log_all);
}

TEST(LoadKeys, FirewallVipTable) {
  const LoadResult result = load(
      "config firewall vip\n"
      "  edit \"mail-in\"\n    set extip 198.51.100.10\n    set mappedip 10.0.0.25\n    set ports 25 587\n"
      "    set mappedport 2525\n  next\n"
      "  edit v6\n    set extip 2001:db8::1\n    set mappedip fd00::25\n  next\n"
      "end\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  ASSERT_EQ(result.policy.vips.size(), 2u);
  const Vip& first = result.policy.vips[0];
  EXPECT_EQ(first.name, "mail-in");
  EXPECT_EQ(first.extip, "198.51.100.10");
  EXPECT_EQ(first.mappedip, "10.0.0.25");
  EXPECT_EQ(first.ports, (std::vector<uint16_t>{25, 587}));
  EXPECT_EQ(first.mappedport, 2525);
  EXPECT_EQ(result.policy.vips[1].name, "v6");
  EXPECT_EQ(result.policy.vips[1].extip, "2001:db8::1");
  EXPECT_TRUE(result.policy.vips[1].ports.empty());
  EXPECT_EQ(result.policy.vips[1].mappedport, 0);
}

TEST(LoadKeys, SmtpProtocolOptions) {
  const LoadResult result = load(
      "config smtp protocol-options\n set ports 2525\n set oversize-limit 1024\n set oversize-action block\n"
      " set max-recipients 50\n set max-command-line 512\n set max-line-length 1000\n set bare-newline reject\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const SmtpOptions& smtp = result.policy.smtp;
  EXPECT_EQ(smtp.ports, (std::vector<uint16_t>{2525}));
  EXPECT_EQ(smtp.oversize_limit_mb, 1024u);
  EXPECT_EQ(smtp.oversize_action, Action::Reject);
  EXPECT_EQ(smtp.max_recipients, 50u);
  EXPECT_EQ(smtp.max_command_line, 512u);
  EXPECT_EQ(smtp.max_line_length, 1000u);
  EXPECT_EQ(smtp.bare_newline, BareNewlinePolicy::Reject);
}

TEST(LoadKeys, MimeLimits) {
  const LoadResult result = load(
      "config mime limits\n set max-depth 1000\n set max-parts 7\n set max-header-size 1024\n"
      " set max-line-length 4096\n set max-boundary-length 70\n set ambiguity-action quarantine\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const MimeSettings& mime = result.policy.mime;
  EXPECT_EQ(mime.max_depth, 1000u);
  EXPECT_EQ(mime.max_parts, 7u);
  EXPECT_EQ(mime.max_header_size, 1024u);
  EXPECT_EQ(mime.max_line_length, 4096u);
  EXPECT_EQ(mime.max_boundary_length, 70u);
  EXPECT_EQ(mime.ambiguity_action, Action::Quarantine);
}

TEST(LoadKeys, Archive) {
  const LoadResult result = load(
      "config archive\n set uncompressed-oversize-limit 4096\n set max-ratio 1\n set max-depth 64\n"
      " set max-entries 3\n set scan-bzip2 disable\n set bomb-action tag\n set encrypted-action tempfail\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const ArchiveSettings& archive = result.policy.archive;
  EXPECT_EQ(archive.uncompressed_oversize_limit_mb, 4096u);
  EXPECT_EQ(archive.max_ratio, 1u);
  EXPECT_EQ(archive.max_depth, 64u);
  EXPECT_EQ(archive.max_entries, 3u);
  EXPECT_FALSE(archive.scan_bzip2);
  EXPECT_EQ(archive.bomb_action, Action::Tag);
  EXPECT_EQ(archive.encrypted_action, Action::Tempfail);
}

TEST(LoadKeys, AntivirusResolvesRelativePathsAgainstTheConfigDirectory) {
  const LoadResult result = load(
      "config antivirus\n set signature-files main.ndb \"sub dir/../x.hdb\" /abs/y.hsb\n"
      " set builtin-eicar disable\n set action pass\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.antivirus.signature_files,
            (std::vector<std::string>{"/etc/sluice/main.ndb", "/etc/sluice/x.hdb", "/abs/y.hsb"}));
  EXPECT_FALSE(result.policy.antivirus.builtin_eicar);
  EXPECT_EQ(result.policy.antivirus.action, Action::Pass);
}

TEST(LoadKeys, EmptyBaseDirLeavesRelativePathsAlone) {
  const LoadResult result = load_config_text("config url-filter\n set url-lists u.txt\nend\n", "t.conf", "");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.policy.url_filter.url_lists, (std::vector<std::string>{"u.txt"}));
}

TEST(LoadKeys, UrlFilter) {
  const LoadResult result = load(
      "config url-filter\n set domain-lists d1.txt d2.txt\n set url-lists /lists/u.txt\n set action tag\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.url_filter.domain_lists,
            (std::vector<std::string>{"/etc/sluice/d1.txt", "/etc/sluice/d2.txt"}));
  EXPECT_EQ(result.policy.url_filter.url_lists, (std::vector<std::string>{"/lists/u.txt"}));
  EXPECT_EQ(result.policy.url_filter.action, Action::Tag);
}

TEST(LoadKeys, AttachmentFilterDefaultsToTheExecutableSet) {
  const AttachmentFilterSettings f = load("").policy.attachment_filter;
  EXPECT_TRUE(f.enabled);
  EXPECT_EQ(f.banned_extensions.size(), 32u);
  for (const char* ext : {"exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "hta", "cpl",
                          "msi", "lnk", "iso"}) {
    EXPECT_NE(std::find(f.banned_extensions.begin(), f.banned_extensions.end(), ext), f.banned_extensions.end()) << ext;
  }
  EXPECT_EQ(f.action, Action::Reject);
  EXPECT_TRUE(f.archive_entries);
  EXPECT_EQ(f.truncated_name_action, Action::Reject);
}

TEST(LoadKeys, AttachmentFilter) {
  const LoadResult result = load(
      "config attachment-filter\n set status disable\n set banned-extensions .EXE tar.gz js\n set action tag\n"
      " set archive-entries disable\n set truncated-name-action pass\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const AttachmentFilterSettings& f = result.policy.attachment_filter;
  EXPECT_FALSE(f.enabled);
  EXPECT_EQ(f.banned_extensions, (std::vector<std::string>{".EXE", "tar.gz", "js"}));   // normalised when applied
  EXPECT_EQ(f.action, Action::Tag);
  EXPECT_FALSE(f.archive_entries);
  EXPECT_EQ(f.truncated_name_action, Action::Pass);
  const LoadResult restored =
      load("config attachment-filter\n set banned-extensions pdf\n unset banned-extensions\nend\n");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored.policy.attachment_filter, AttachmentFilterSettings{});
}

TEST(LoadKeys, AttachmentFilterRefusesWordsThatAreNoExtension) {
  const LoadResult result = load("config attachment-filter\n set banned-extensions exe *.scr\nend\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 2u);
  EXPECT_NE(result.errors[0].message.find("*.scr"), std::string::npos) << result.errors[0].message;
}

TEST(LoadKeys, SpamfilterSettingsAndRules) {
  const LoadResult result = load(
      "config spamfilter settings\n set tag-threshold -3\n set reject-threshold 1000\nend\n"
      "config spamfilter rule\n"
      " edit \"subject\"\n  set scope header\n  set header \"Subject\"\n  set pattern \"won\\\\s+\\\"big\\\"\"\n"
      "  set score -2\n  set caseless disable\n next\n"
      " edit body\n  set scope body\n  set pattern viagra\n next\n"
      "end\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.spam.tag_threshold, -3);
  EXPECT_EQ(result.policy.spam.reject_threshold, 1000);
  ASSERT_EQ(result.policy.spam.rules.size(), 2u);
  const SpamRule& subject = result.policy.spam.rules[0];
  EXPECT_EQ(subject.name, "subject");
  EXPECT_TRUE(subject.header_scope);
  EXPECT_EQ(subject.header, "Subject");
  EXPECT_EQ(subject.pattern, R"(won\s+"big")");
  EXPECT_EQ(subject.score, -2);
  EXPECT_FALSE(subject.caseless);
  const SpamRule& body = result.policy.spam.rules[1];
  EXPECT_FALSE(body.header_scope);
  EXPECT_EQ(body.header, "");
  EXPECT_EQ(body.score, 1);
  EXPECT_TRUE(body.caseless);
}

TEST(LoadKeys, ScanBudgetAndLogSettings) {
  const LoadResult result = load(
      "config scan budget\n set cycles-per-message 1000000000000\n set scan-timeout-action pass\nend\n"
      "config log settings\n set file logs/m.json\n set log-all disable\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.scan.cycles_per_message, 1'000'000'000'000u);
  EXPECT_EQ(result.policy.scan.scan_timeout_action, Action::Pass);
  EXPECT_EQ(result.policy.log.file, "/etc/sluice/logs/m.json");
  EXPECT_FALSE(result.policy.log.log_all);
}

TEST(LoadKeys, EmptyLogFileMeansStdoutAndIsNotResolved) {
  const LoadResult result = load("config log settings\n set file \"\"\nend\n");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.policy.log.file, "");
}

TEST(LoadKeys, LaterSetsWinAndUnsetRestoresTheDefault) {
  const LoadResult result = load(
      "config mime limits\n set max-depth 3\n set max-parts 9\nend\n"
      "config mime limits\n set max-depth 4\n unset max-parts\nend\n"
      "config smtp protocol-options\n set ports 1\n unset ports\nend\n");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.policy.mime.max_depth, 4u);
  EXPECT_EQ(result.policy.mime.max_parts, 1000u);
  EXPECT_EQ(result.policy.smtp.ports, (std::vector<uint16_t>{25, 465, 587}));
}

TEST(LoadKeys, EveryActionWordParses) {
  const std::pair<const char*, Action> cases[] = {
      {"pass", Action::Pass}, {"tag", Action::Tag}, {"quarantine", Action::Quarantine},
      {"tempfail", Action::Tempfail}, {"reject", Action::Reject}};
  for (const auto& [word, action] : cases) {
    const LoadResult result = load(std::string("config antivirus\n set action ") + word + "\nend\n");
    ASSERT_TRUE(result.ok()) << word;
    EXPECT_EQ(result.policy.antivirus.action, action) << word;
    EXPECT_STREQ(action_name(action), word);
  }
}

TEST(LoadKeys, CrlfFileLoadsLikeLf) {
  const LoadResult result = load("config firewall vip\r\n edit \"a\"\r\n  set extip 192.0.2.1\r\n"
                                 "  set mappedip 10.0.0.1\r\n next\r\nend\r\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.vips.at(0).name, "a");
  EXPECT_EQ(result.policy.vips.at(0).mappedip, "10.0.0.1");
}

}  // namespace
}  // namespace sluice::control
