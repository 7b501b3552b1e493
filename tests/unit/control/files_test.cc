// Loading from disk: the shipped example, unreadable paths, the config's own
// directory as the base of relative paths; and README.md covering the schema.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "control/config/schema.h"
#include "tests/unit/control/load_helpers.h"

namespace sluice::control {
namespace {

using testing::error_lines;

const std::string kControlDir = SLUICE_CONTROL_SOURCE_DIR;

TEST(Files, ExampleConfigLoadsWithoutErrorsAndUsesEveryBlock) {
  const LoadResult result = load_config_file(kControlDir + "/sluice.conf.example");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const Policy& p = result.policy;
  ASSERT_EQ(p.interfaces.size(), 2u);
  EXPECT_EQ(p.interfaces[1].name, "inside");
  EXPECT_EQ(p.interfaces[1].ip6, "fd00::1/64");
  EXPECT_EQ(p.tcp.max_half_open, 4096u);
  ASSERT_EQ(p.vips.size(), 2u);
  EXPECT_EQ(p.vips[1].mappedport, 2525);
  EXPECT_EQ(p.smtp.oversize_limit_mb, 25u);
  EXPECT_EQ(p.smtp.bare_newline, BareNewlinePolicy::Reject);
  EXPECT_EQ(p.archive.encrypted_action, Action::Tag);
  EXPECT_EQ(p.antivirus.signature_files,
            (std::vector<std::string>{kControlDir + "/signatures/main.ndb", kControlDir + "/signatures/main.hdb",
                                      "/var/lib/sluice/daily.hsb"}));
  EXPECT_EQ(p.url_filter.action, Action::Quarantine);
  ASSERT_EQ(p.spam.rules.size(), 2u);
  EXPECT_EQ(p.spam.rules[1].pattern, "wire \"urgent\" transfer");
  EXPECT_EQ(p.log.file, "/var/log/sluice/messages.json");
  EXPECT_EQ(p.smtp.hold_limit_kb, 512u);
  EXPECT_EQ(p.envelope.protected_domains, (std::vector<std::string>{"example.com", ".example.net"}));
  EXPECT_EQ(p.reputation.tempfail_threshold, 3);
  ASSERT_EQ(p.reputation_lists.size(), 2u);
  EXPECT_EQ(p.reputation_lists[0].file, kControlDir + "/lists/bad-clients.txt");
  EXPECT_EQ(p.reputation_lists[1].score, -10);
  EXPECT_TRUE(p.greylist.enabled);
  EXPECT_EQ(p.quarantine.directory, "/var/lib/sluice/quarantine");
  EXPECT_EQ(p.scan.verdict_timeout_ms, 30000u);
  EXPECT_EQ(p.vips[0].ssl_profile, "protect");
  EXPECT_EQ(p.vips[1].ssl_profile, "");
  ASSERT_EQ(p.ssl_profiles.size(), 2u);
  EXPECT_EQ(p.ssl_profiles[0].server_certs,
            (std::vector<std::string>{kControlDir + "/examples/mail.example.com-rsa.pem",
                                      kControlDir + "/examples/mail.example.com-ecdsa.pem"}));
  EXPECT_EQ(p.ssl_profiles[0].backend_ca_file, kControlDir + "/examples/backend-ca.pem");
  EXPECT_TRUE(p.ssl_profiles[0].backend_verify);
  EXPECT_EQ(p.ssl_profiles[1].mode, TlsMode::CertificateInspection);
  EXPECT_EQ(p.tls.workers, 0u);
  EXPECT_EQ(p.tls.max_legs, 4096u);
}

TEST(Files, MissingFileIsOneErrorNamingIt) {
  const LoadResult result = load_config_file("/nonexistent/sluice.conf");
  EXPECT_EQ(error_lines(result),
            (std::vector<std::string>{"/nonexistent/sluice.conf: cannot read configuration file: No such file or directory"}));
}

TEST(Files, DirectoryIsNotAConfiguration) {
  EXPECT_EQ(error_lines(load_config_file(kControlDir)),
            (std::vector<std::string>{kControlDir + ": cannot read configuration file: is a directory"}));
}

TEST(Files, RelativePathsResolveAgainstTheFilesDirectoryAndErrorsNameTheFile) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("sluice-control-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "s.conf").string();
  std::ofstream(path) << "config url-filter\n  set domain-lists lists/d.txt\n  set actoin tag\nend\n";
  const LoadResult result = load_config_file(path);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(result.policy.url_filter.domain_lists, (std::vector<std::string>{(dir / "lists/d.txt").string()}));
  EXPECT_EQ(error_lines(result), (std::vector<std::string>{
                                     path + ":3:7: unknown setting 'actoin' in 'config url-filter' (did you mean 'action'?)"}));
}

// The example is the administrator's tour: it opens every block of the schema.
TEST(Files, ExampleOpensEveryBlock) {
  std::ifstream in(kControlDir + "/sluice.conf.example");
  std::stringstream example;
  example << in.rdbuf();
  const std::string text = example.str();
  for (const config::BlockSpec& block : config::config_blocks()) {
    const std::string opening = "\nconfig " + std::string(block.path);
    const bool found = text.find(opening + "\n") != std::string::npos || text.find(opening + " ") != std::string::npos;
    EXPECT_TRUE(found) << block.path;
  }
}

// The README is written by hand; this keeps it from falling behind the table.
TEST(Files, ReadmeNamesEveryBlockAndKey) {
  std::ifstream in(kControlDir + "/config/README.md");
  std::stringstream readme;
  readme << in.rdbuf();
  const std::string text = readme.str();
  ASSERT_FALSE(text.empty());
  for (const config::BlockSpec& block : config::config_blocks()) {
    EXPECT_NE(text.find("`config " + std::string(block.path) + "`"), std::string::npos) << block.path;
    for (const config::KeySpec& key : block.keys) {
      EXPECT_NE(text.find("`" + std::string(key.name) + "`"), std::string::npos) << block.path << " " << key.name;
    }
  }
}

}  // namespace
}  // namespace sluice::control
