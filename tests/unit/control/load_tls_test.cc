// config ssl profile, config system tls and a VIP's ssl-profile: defaults,
// every key bound and shown back, the words each leg accepts, files that must
// be readable, and the rules between blocks with their exact file:line:col.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "control/config/writer.h"
#include "tests/unit/control/load_helpers.h"

namespace sluice::control {
namespace {

using testing::error_lines;
using testing::load;
using Lines = std::vector<std::string>;

const std::string kExamples = std::string(SLUICE_CONTROL_SOURCE_DIR) + "/examples";
const std::string kRsa = kExamples + "/mail.example.com-rsa.pem";
const std::string kEcdsa = kExamples + "/mail.example.com-ecdsa.pem";
const std::string kCa = kExamples + "/backend-ca.pem";

// A directory of its own for one test, removed when the test ends.
class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("sluice-tls-config-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& contents = "x\n") const {
    const std::string path = (path_ / name).string();
    std::ofstream(path) << contents;
    return path;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(LoadTls, NoTlsBlocksMeansNoProfilesAndTheDocumentedSystemDefaults) {
  const LoadResult result = load("config firewall vip\n edit a\n  set extip 192.0.2.1\n  set mappedip 10.0.0.1\n"
                                 " next\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_TRUE(result.policy.ssl_profiles.empty());
  EXPECT_EQ(result.policy.vips[0].ssl_profile, "");
  const TlsSystemSettings& tls = result.policy.tls;
  EXPECT_EQ(tls.workers, 0u);
  EXPECT_EQ(tls.engine, "");
  EXPECT_EQ(tls.provider, "");
  EXPECT_EQ(tls.provider_path, "");
  EXPECT_TRUE(tls.async);
  EXPECT_EQ(tls.max_legs, 4096u);
}

TEST(LoadTls, AProfileThatSetsOnlyItsModeHasTheDocumentedDefaults) {
  const LoadResult result = load("config ssl profile\n edit p\n  set mode none\n next\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  ASSERT_EQ(result.policy.ssl_profiles.size(), 1u);
  const SslProfile& p = result.policy.ssl_profiles[0];
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(p.mode, TlsMode::None);
  EXPECT_TRUE(p.server_certs.empty());
  EXPECT_EQ(p.smtps_ports, (std::vector<uint16_t>{465}));
  EXPECT_EQ(p.require_tls_ports, (std::vector<uint16_t>{587}));
  EXPECT_EQ(p.backend_tls, BackendTls::Starttls);
  EXPECT_EQ(p.backend_smtps_tls, BackendTls::Implicit);
  EXPECT_FALSE(p.backend_verify);
  EXPECT_EQ(p.backend_ca_file, "");
  EXPECT_EQ(p.backend_server_name, "");
  EXPECT_EQ(p.min_version, 0x0303);
  EXPECT_EQ(p.backend_min_version, 0x0303);
  EXPECT_EQ(p.ciphers12, "");
  EXPECT_EQ(p.ciphersuites13, "");
  EXPECT_TRUE(p.session_tickets);
  EXPECT_EQ(p.ticket_key_lifetime_s, 3600u);
  EXPECT_EQ(p.unsupported_ssl_version, UnsupportedSslAction::Close);
  EXPECT_EQ(p.unsupported_ssl_cipher, UnsupportedSslAction::Close);
  EXPECT_EQ(p.unsupported_ssl_negotiation, UnsupportedSslAction::Close);
  EXPECT_EQ(p.unsupported_ssl_block_time_s, 600u);
  EXPECT_EQ(p.handshake_timeout_s, 30u);
  // The mode a profile gets when it says nothing is protecting-server, which needs a certificate.
  EXPECT_EQ(error_lines(load("config ssl profile\n edit p\n next\nend\n")),
            (Lines{"t.conf:2:2: entry 'p' in 'config ssl profile' has mode protecting-server but no 'server-cert'"}));
}

// Every key set away from its default, in the file's own words.
std::string every_key_text() {
  return "config ssl profile\n"
         " edit \"strict\"\n"
         "  set mode protecting-server\n"
         "  set server-cert \"" + kEcdsa + "\" \"" + kRsa + "\"\n"
         "  set smtps-ports 465 10465\n"
         "  set require-tls-ports 587 25\n"
         "  set backend-tls opportunistic\n"
         "  set backend-smtps-tls starttls\n"
         "  set backend-verify enable\n"
         "  set backend-ca-file \"" + kCa + "\"\n"
         "  set backend-server-name mx.internal.example\n"
         "  set min-version tls1.3\n"
         "  set backend-min-version tls1.1\n"
         "  set ciphers12 \"ECDHE+AESGCM:!aNULL\"\n"
         "  set ciphersuites13 TLS_AES_128_GCM_SHA256\n"
         "  set session-tickets disable\n"
         "  set ticket-key-lifetime 604800\n"
         "  set unsupported-ssl-version block\n"
         "  set unsupported-ssl-cipher block\n"
         "  set unsupported-ssl-negotiation block\n"
         "  set unsupported-ssl-block-time 86400\n"
         "  set handshake-timeout 600\n"
         " next\n"
         "end\n"
         "config firewall vip\n"
         " edit v\n  set extip 192.0.2.1\n  set mappedip 10.0.0.1\n  set ssl-profile strict\n next\n"
         "end\n"
         "config system tls\n"
         " set workers 64\n"
         " set engine /usr/lib/engines-3/qatengine.so\n"
         " set provider-path /opt/providers\n"
         " set async disable\n"
         " set max-legs 1048576\n"
         "end\n";
}

TEST(LoadTls, EveryKeyBinds) {
  const LoadResult result = load(every_key_text());
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  ASSERT_EQ(result.policy.ssl_profiles.size(), 1u);
  const SslProfile& p = result.policy.ssl_profiles[0];
  EXPECT_EQ(p.name, "strict");
  EXPECT_EQ(p.mode, TlsMode::ProtectingServer);
  EXPECT_EQ(p.server_certs, (std::vector<std::string>{kEcdsa, kRsa}));
  EXPECT_EQ(p.smtps_ports, (std::vector<uint16_t>{465, 10465}));
  EXPECT_EQ(p.require_tls_ports, (std::vector<uint16_t>{587, 25}));
  EXPECT_EQ(p.backend_tls, BackendTls::Opportunistic);
  EXPECT_EQ(p.backend_smtps_tls, BackendTls::Starttls);
  EXPECT_TRUE(p.backend_verify);
  EXPECT_EQ(p.backend_ca_file, kCa);
  EXPECT_EQ(p.backend_server_name, "mx.internal.example");
  EXPECT_EQ(p.min_version, 0x0304);
  EXPECT_EQ(p.backend_min_version, 0x0302);
  EXPECT_EQ(p.ciphers12, "ECDHE+AESGCM:!aNULL");  // with min-version tls1.3: allowed, unused
  EXPECT_EQ(p.ciphersuites13, "TLS_AES_128_GCM_SHA256");
  EXPECT_FALSE(p.session_tickets);
  EXPECT_EQ(p.ticket_key_lifetime_s, 604800u);
  EXPECT_EQ(p.unsupported_ssl_version, UnsupportedSslAction::Block);
  EXPECT_EQ(p.unsupported_ssl_cipher, UnsupportedSslAction::Block);
  EXPECT_EQ(p.unsupported_ssl_negotiation, UnsupportedSslAction::Block);
  EXPECT_EQ(p.unsupported_ssl_block_time_s, 86400u);
  EXPECT_EQ(p.handshake_timeout_s, 600u);
  EXPECT_EQ(result.policy.vips[0].ssl_profile, "strict");
  const TlsSystemSettings& tls = result.policy.tls;
  EXPECT_EQ(tls.workers, 64u);
  EXPECT_EQ(tls.engine, "/usr/lib/engines-3/qatengine.so");
  EXPECT_EQ(tls.provider, "");
  EXPECT_EQ(tls.provider_path, "/opt/providers");
  EXPECT_FALSE(tls.async);
  EXPECT_EQ(tls.max_legs, 1048576u);
}

TEST(LoadTls, EveryKeyRoundTripsThroughShow) {
  const LoadResult first = load(every_key_text());
  ASSERT_TRUE(first.ok()) << error_lines(first).front();
  const std::string shown = config::write_config(first.policy);
  for (const std::string& line : std::vector<std::string>{
           "    edit strict\n", "        set mode protecting-server\n",
           "        set server-cert " + kEcdsa + " " + kRsa + "\n", "        set smtps-ports 465 10465\n",
           "        set require-tls-ports 587 25\n", "        set backend-tls opportunistic\n",
           "        set backend-smtps-tls starttls\n", "        set backend-verify enable\n",
           "        set backend-ca-file " + kCa + "\n", "        set backend-server-name mx.internal.example\n",
           "        set min-version tls1.3\n", "        set backend-min-version tls1.1\n",
           "        set ciphers12 ECDHE+AESGCM:!aNULL\n", "        set ciphersuites13 TLS_AES_128_GCM_SHA256\n",
           "        set session-tickets disable\n", "        set ticket-key-lifetime 604800\n",
           "        set unsupported-ssl-version block\n", "        set unsupported-ssl-cipher block\n",
           "        set unsupported-ssl-negotiation block\n", "        set unsupported-ssl-block-time 86400\n",
           "        set handshake-timeout 600\n", "        set ssl-profile strict\n", "    set workers 64\n",
           "    set engine /usr/lib/engines-3/qatengine.so\n", "    set provider \"\"\n",
           "    set provider-path /opt/providers\n", "    set async disable\n", "    set max-legs 1048576\n"}) {
    EXPECT_NE(shown.find(line), std::string::npos) << line << shown;
  }
  const LoadResult second = load_config_text(shown, "shown.conf", "/elsewhere");
  ASSERT_TRUE(second.ok()) << error_lines(second).front();
  EXPECT_EQ(config::write_config(second.policy), shown);
  const SslProfile& p = second.policy.ssl_profiles.at(0);
  EXPECT_EQ(p.min_version, 0x0304);
  EXPECT_EQ(p.backend_min_version, 0x0302);
  EXPECT_EQ(p.server_certs, (std::vector<std::string>{kEcdsa, kRsa}));
}

TEST(LoadTls, DefaultsRoundTripThroughShowToo) {
  // Empty strings ("" = none / built in) and the default version words come back as they went.
  const LoadResult first = load("config ssl profile\n edit p\n  set mode certificate-inspection\n next\nend\n");
  ASSERT_TRUE(first.ok()) << error_lines(first).front();
  const std::string shown = config::write_config(first.policy);
  EXPECT_NE(shown.find("        set backend-ca-file \"\"\n        set backend-server-name \"\"\n"
                       "        set min-version tls1.2\n        set backend-min-version tls1.2\n"
                       "        set ciphers12 \"\"\n"),
            std::string::npos)
      << shown;
  const LoadResult second = load_config_text(shown, "shown.conf", "");
  ASSERT_TRUE(second.ok()) << error_lines(second).front();
  EXPECT_EQ(config::write_config(second.policy), shown);
}

TEST(LoadTls, VersionWords) {
  const std::pair<const char*, int> versions[] = {{"tls1.0", 0x0301}, {"tls1.1", 0x0302}, {"tls1.2", 0x0303},
                                                  {"tls1.3", 0x0304}};
  for (const auto& [word, value] : versions) {
    const LoadResult result = load(std::string("config ssl profile\n edit p\n  set mode none\n  set min-version ") +
                                   word + "\n  set backend-min-version " + word + "\n next\nend\n");
    ASSERT_TRUE(result.ok()) << error_lines(result).front();
    EXPECT_EQ(result.policy.ssl_profiles[0].min_version, value) << word;
    EXPECT_EQ(result.policy.ssl_profiles[0].backend_min_version, value) << word;
  }
  EXPECT_EQ(error_lines(load("config ssl profile\n edit p\n  set mode none\n  set min-version tls1.4\n"
                             "  set min-version 1.2\n  set backend-min-version 0x0303\n"
                             "  set min-version tls1.2 tls1.3\n next\nend\n")),
            (Lines{
                "t.conf:4:19: 'min-version' wants one of tls1.0|tls1.1|tls1.2|tls1.3, got 'tls1.4' "
                "(did you mean 'tls1.0'?)",
                "t.conf:5:19: 'min-version' wants one of tls1.0|tls1.1|tls1.2|tls1.3, got '1.2'",
                "t.conf:6:27: 'backend-min-version' wants one of tls1.0|tls1.1|tls1.2|tls1.3, got '0x0303'",
                "t.conf:7:26: 'min-version' wants one value, got 2",
            }));
}

TEST(LoadTls, EachBackendLegAcceptsOnlyWhatItCanDo) {
  EXPECT_EQ(error_lines(load("config ssl profile\n edit p\n  set mode none\n  set backend-tls implicit\n"
                             "  set backend-smtps-tls opportunistic\n  set mode passthrough\n"
                             "  set unsupported-ssl-cipher reject\n next\nend\n")),
            (Lines{
                "t.conf:4:19: 'backend-tls' wants one of starttls|opportunistic|none, got 'implicit'",
                "t.conf:5:25: 'backend-smtps-tls' wants one of implicit|starttls|none, got 'opportunistic'",
                "t.conf:6:12: 'mode' wants one of protecting-server|certificate-inspection|none, got 'passthrough'",
                "t.conf:7:30: 'unsupported-ssl-cipher' wants one of close|block, got 'reject'",
            }));
  const LoadResult result = load("config ssl profile\n edit p\n  set mode none\n  set backend-tls none\n"
                                 "  set backend-smtps-tls none\n next\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.ssl_profiles[0].backend_tls, BackendTls::None);
  EXPECT_EQ(result.policy.ssl_profiles[0].backend_smtps_tls, BackendTls::None);
}

TEST(LoadTls, PortsAndRangesOutsideTheirLimits) {
  EXPECT_EQ(error_lines(load("config ssl profile\n edit p\n  set mode none\n  set smtps-ports 465 0\n"
                             "  set require-tls-ports 65536\n  set smtps-ports -1\n  set ticket-key-lifetime 59\n"
                             "  set unsupported-ssl-block-time 0\n  set handshake-timeout 601\n next\nend\n"
                             "config system tls\n set workers 65\n set max-legs 15\nend\n")),
            (Lines{
                "t.conf:4:23: 'smtps-ports' wants port numbers 1..65535, got '0'",
                "t.conf:5:25: 'require-tls-ports' wants port numbers 1..65535, got '65536'",
                "t.conf:6:19: 'smtps-ports' wants port numbers 1..65535, got '-1'",
                "t.conf:7:27: 'ticket-key-lifetime' wants an integer 60..604800, got '59'",
                "t.conf:8:34: 'unsupported-ssl-block-time' wants an integer 1..86400, got '0'",
                "t.conf:9:25: 'handshake-timeout' wants an integer 1..600, got '601'",
                "t.conf:13:14: 'workers' wants an integer 0..64, got '65'",
                "t.conf:14:15: 'max-legs' wants an integer 16..1048576, got '15'",
            }));
}

TEST(LoadTls, VipNamingNoProfileIsAnErrorAtTheName) {
  const std::string profiles = "config ssl profile\n edit protect\n  set mode none\n next\nend\n";
  EXPECT_EQ(error_lines(load("config firewall vip\n edit a\n  set extip 192.0.2.1\n  set mappedip 10.0.0.1\n"
                             "  set ssl-profile protcet\n next\n edit b\n  set extip 192.0.2.2\n"
                             "  set mappedip 10.0.0.2\n  set ssl-profile \"other\"\n next\nend\n" + profiles)),
            (Lines{
                "t.conf:5:19: 'ssl-profile' wants the name of a 'config ssl profile' entry, got 'protcet' "
                "(did you mean 'protect'?)",
                "t.conf:10:19: 'ssl-profile' wants the name of a 'config ssl profile' entry, got 'other'",
            }));
  // Blocks come in any order: a profile defined after the VIP is found.
  EXPECT_TRUE(load("config firewall vip\n edit a\n  set extip 192.0.2.1\n  set mappedip 10.0.0.1\n"
                   "  set ssl-profile protect\n next\nend\n" + profiles)
                  .ok());
  // 'unset' (or "") goes back to no TLS, which names nothing.
  EXPECT_TRUE(load("config firewall vip\n edit a\n  set extip 192.0.2.1\n  set mappedip 10.0.0.1\n"
                   "  set ssl-profile gone\n  unset ssl-profile\n next\nend\n")
                  .ok());
}

TEST(LoadTls, ProtectingServerNeedsACertificate) {
  EXPECT_EQ(error_lines(load("config ssl profile\n edit a\n  set mode protecting-server\n next\n"
                             " edit b\n  set server-cert \"" + kRsa + "\"\n  unset server-cert\n next\n"
                             " edit c\n  set mode certificate-inspection\n next\nend\n")),
            (Lines{
                "t.conf:2:2: entry 'a' in 'config ssl profile' has mode protecting-server but no 'server-cert'",
                "t.conf:5:2: entry 'b' in 'config ssl profile' has mode protecting-server but no 'server-cert'",
            }));
}

TEST(LoadTls, CertificateAndCaFilesMustBeReadableFiles) {
  TempDir dir;
  EXPECT_EQ(error_lines(load("config ssl profile\n edit a\n  set server-cert \"" + kRsa + "\" /nonexistent/x.pem\n"
                             " next\n edit b\n  set server-cert \"" + dir.path() + "\"\n  set backend-ca-file nope.pem\n"
                             " next\n edit c\n  set server-cert \"\"\n  set mode none\n  set backend-ca-file /dev/null\n"
                             " next\nend\n")),
            (Lines{
                "t.conf:3:" + std::to_string(22 + kRsa.size()) +
                    ": 'server-cert' cannot read '/nonexistent/x.pem': No such file or directory",
                "t.conf:6:19: 'server-cert' cannot read '" + dir.path() + "': is a directory",
                "t.conf:7:23: 'backend-ca-file' cannot read '/etc/sluice/nope.pem': No such file or directory",
                "t.conf:10:19: 'server-cert' wants file paths, got an empty string",
                "t.conf:12:23: 'backend-ca-file' cannot read '/dev/null': is not a regular file",
            }));
  // a and b (protecting-server by default) keep no certificate, but their refused server-cert is reported
  // once, at its word, not again as "no 'server-cert'".
}

TEST(LoadTls, UnreadableFileIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  const std::string key = dir.file("locked.pem");
  ASSERT_EQ(::chmod(key.c_str(), 0), 0);
  EXPECT_EQ(error_lines(load("config ssl profile\n edit a\n  set server-cert \"" + key + "\"\n next\nend\n")),
            (Lines{"t.conf:3:19: 'server-cert' cannot read '" + key + "': Permission denied"}));
}

TEST(LoadTls, FilesResolveAgainstTheConfigsDirectory) {
  TempDir dir;
  dir.file("rsa.pem");
  std::filesystem::create_directories(dir.path() + "/ca");
  dir.file("ca/internal.pem");
  const std::string conf = dir.file("s.conf",
                                    "config ssl profile\n edit p\n  set server-cert rsa.pem\n"
                                    "  set backend-ca-file ca/../ca/internal.pem\n next\nend\n"
                                    "config system tls\n set engine engines/pause.so\n set provider-path mods\nend\n");
  const LoadResult result = load_config_file(conf);
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.ssl_profiles[0].server_certs, (std::vector<std::string>{dir.path() + "/rsa.pem"}));
  EXPECT_EQ(result.policy.ssl_profiles[0].backend_ca_file, dir.path() + "/ca/internal.pem");
  EXPECT_EQ(result.policy.tls.engine, dir.path() + "/engines/pause.so");
  EXPECT_EQ(result.policy.tls.provider_path, dir.path() + "/mods");
}

TEST(LoadTls, AnEngineIdIsANameNotAPath) {
  const LoadResult result = load("config system tls\n set engine qatengine\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.tls.engine, "qatengine");
}

TEST(LoadTls, BackendVerifyNeedsACaFile) {
  EXPECT_EQ(error_lines(load("config ssl profile\n edit p\n  set mode none\n  set backend-verify enable\n next\n"
                             " edit q\n  set mode none\n  set backend-verify enable\n  set backend-ca-file missing.pem\n"
                             " next\nend\n")),
            (Lines{
                "t.conf:4:22: 'backend-verify' enable needs a 'backend-ca-file' to verify against "
                "(entry 'p' in 'config ssl profile')",
                // q's file is refused at its word; the rule does not repeat it.
                "t.conf:9:23: 'backend-ca-file' cannot read '/etc/sluice/missing.pem': No such file or directory",
            }));
  EXPECT_TRUE(load("config ssl profile\n edit p\n  set mode none\n  set backend-verify enable\n"
                   "  set backend-ca-file \"" + kCa + "\"\n next\nend\n")
                  .ok());
}

TEST(LoadTls, EngineAndProviderAreExclusive) {
  EXPECT_EQ(error_lines(load("config system tls\n set engine qatengine\n set provider qatprovider\nend\n")),
            (Lines{"t.conf:3:6: 'provider' cannot be set with 'engine' (set at 2:6) in 'config system tls': "
                   "private-key operations go to one offload"}));
  // Across blocks and in the other order: the second statement is the one blamed.
  EXPECT_EQ(error_lines(load("config system tls\n set provider qatprovider\nend\n"
                             "config system tls\n set workers 2\n set engine qatengine\nend\n")),
            (Lines{"t.conf:6:6: 'engine' cannot be set with 'provider' (set at 2:6) in 'config system tls': "
                   "private-key operations go to one offload"}));
  // Unsetting one of them settles it.
  EXPECT_TRUE(load("config system tls\n set engine qatengine\n set provider qatprovider\n unset engine\nend\n").ok());
}

TEST(LoadTls, ModernOnlyProfileMayStillListTls12Ciphers) {
  const LoadResult result = load("config ssl profile\n edit p\n  set server-cert \"" + kEcdsa +
                                 "\"\n  set min-version tls1.3\n  set ciphers12 ECDHE-ECDSA-AES128-GCM-SHA256\n"
                                 " next\nend\n");
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  EXPECT_EQ(result.policy.ssl_profiles[0].ciphers12, "ECDHE-ECDSA-AES128-GCM-SHA256");
}

}  // namespace
}  // namespace sluice::control
