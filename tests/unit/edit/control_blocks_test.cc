// The control plane's configuration blocks: config system control, system alertemail, system prometheus and
// log syslogd — every key bound, values checked, cross-block rules, and 'show' reloading them.
#include <gtest/gtest.h>

#include "control/config/schema.h"
#include "control/config/value_conversion.h"
#include "tests/unit/edit/edit_fixtures.h"

namespace sluice::control {
namespace {

using edit::testing::ScratchDir;

LoadResult load(std::string_view text, const std::string& base_dir = "/etc/sluice") {
  return load_config_text(text, "t.conf", base_dir);
}

std::vector<std::string> error_lines(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

const std::string kExamples = std::string(SLUICE_CONTROL_SOURCE_DIR) + "/examples";

TEST(ControlBlocks, DefaultsAreTheDocumentedOnes) {
  const Policy policy;
  EXPECT_EQ(policy.control.socket, "/run/sluice/sluice.sock");
  EXPECT_EQ(policy.control.history_depth, 50u);
  EXPECT_FALSE(policy.alert_mail.enabled);
  EXPECT_EQ(policy.alert_mail.secure_option, SecureOption::Default);
  EXPECT_EQ(policy.alert_mail.daily_summary_time, "07:00");
  EXPECT_EQ(policy.prometheus.listen, "127.0.0.1:9469");
  EXPECT_EQ(policy.syslog.port, 514);
  EXPECT_EQ(policy.syslog.facility, "mail");
  const LoadResult empty = load("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.policy, policy);
}

TEST(ControlBlocks, EveryKeyBindsAndFilePathsResolveAgainstTheConfigsDirectory) {
  const LoadResult result = load(
      "config system control\n"
      "  set socket run/sluice.sock\n"
      "  set group sluice-admin\n"
      "  set history-dir history\n"
      "  set history-depth 7\n"
      "  set watch-files disable\n"
      "  set trace-max-lines 500\n"
      "  set drain-timeout 5\n"
      "  set probe-netns outside\n"
      "end\n"
      "config system alertemail\n"
      "  set status enable\n"
      "  set server relay.example.com\n"
      "  set port 587\n"
      "  set secure-option starttls\n"
      "  set username alerts\n"
      "  set password \"s3cret word\"\n"
      "  set client-cert mail.example.com-rsa.pem\n"
      "  set ca-file backend-ca.pem\n"
      "  set verify enable\n"
      "  set from sluice@mail.example.com\n"
      "  set to ops@example.com sec@example.com\n"
      "  set helo sluice.example.com\n"
      "  set queue-dir spool/alerts\n"
      "  set retry-interval 30\n"
      "  set max-age 24\n"
      "  set timeout 10\n"
      "  set quarantine-notice disable\n"
      "  set critical-events disable\n"
      "  set daily-summary disable\n"
      "  set daily-summary-time 23:59\n"
      "end\n"
      "config system prometheus\n"
      "  set status enable\n"
      "  set listen [::1]:9100\n"
      "end\n"
      "config log syslogd\n"
      "  set status enable\n"
      "  set server 192.0.2.53\n"
      "  set port 6514\n"
      "  set mode tcp\n"
      "  set facility local7\n"
      "end\n",
      kExamples);
  ASSERT_TRUE(result.ok()) << error_lines(result).front();
  const Policy& p = result.policy;
  EXPECT_EQ(p.control, (ControlSettings{.socket = kExamples + "/run/sluice.sock",
                                        .group = "sluice-admin",
                                        .history_dir = kExamples + "/history",
                                        .history_depth = 7,
                                        .watch_files = false,
                                        .trace_max_lines = 500,
                                        .drain_timeout_s = 5,
                                        .probe_netns = "outside"}));
  EXPECT_EQ(p.alert_mail, (AlertMailSettings{.enabled = true,
                                             .server = "relay.example.com",
                                             .port = 587,
                                             .secure_option = SecureOption::Starttls,
                                             .username = "alerts",
                                             .password = "s3cret word",
                                             .client_cert = kExamples + "/mail.example.com-rsa.pem",
                                             .ca_file = kExamples + "/backend-ca.pem",
                                             .verify = true,
                                             .from = "sluice@mail.example.com",
                                             .to = {"ops@example.com", "sec@example.com"},
                                             .helo = "sluice.example.com",
                                             .queue_dir = kExamples + "/spool/alerts",
                                             .retry_interval_s = 30,
                                             .max_age_h = 24,
                                             .timeout_s = 10,
                                             .quarantine_notices = false,
                                             .critical_events = false,
                                             .daily_summary = false,
                                             .daily_summary_time = "23:59"}));
  EXPECT_EQ(p.prometheus, (PrometheusSettings{.enabled = true, .listen = "[::1]:9100"}));
  EXPECT_EQ(p.syslog, (SyslogSettings{.enabled = true,
                                      .server = "192.0.2.53",
                                      .port = 6514,
                                      .transport = SyslogTransport::Tcp,
                                      .facility = "local7"}));
  // 'show' prints them and the output loads back to the same Policy.
  const std::string shown = config::write_config(p);
  const LoadResult reloaded = load(shown, "/elsewhere");
  ASSERT_TRUE(reloaded.ok()) << error_lines(reloaded).front();
  EXPECT_EQ(reloaded.policy, p);
  EXPECT_NE(shown.find("config log syslogd\n"
                       "    set status enable\n"
                       "    set server 192.0.2.53\n"
                       "    set port 6514\n"
                       "    set mode tcp\n"
                       "    set facility local7\n"
                       "end\n"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("    set password \"s3cret word\"\n"), std::string::npos);
}

TEST(ControlBlocks, FacilityIsOneOfTheSyslogNames) {
  EXPECT_EQ(error_lines(load("config log syslogd\n  set facility maill\nend\n")),
            (std::vector<std::string>{"t.conf:2:16: 'facility' wants one of kern|user|mail|daemon|auth|syslog|lpr|news|"
                                      "uucp|cron|authpriv|ftp|local0|local1|local2|local3|local4|local5|local6|local7, "
                                      "got 'maill' (did you mean 'mail'?)"}));
  EXPECT_EQ(error_lines(load("config log syslogd\n  set facility local8\nend\n")).size(), 1u);
  const config::KeySpec* facility = config::find_key(*config::find_block("log syslogd"), "facility");
  ASSERT_NE(facility, nullptr);
  EXPECT_EQ(facility->kind, config::ValueKind::Keyword);
  EXPECT_EQ(config::enum_words(*facility).size(), 20u);  // completion offers them
}

TEST(ControlBlocks, ListenMustBeAnAddressAndPort) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1", "::1:9469",
                          "[127.0.0.1]:9469", "[::1]", "[::1]9469", "localhost:9469", "[]:9469", "127.0.0.1:94x"}) {
    const LoadResult result = load("config system prometheus\n  set listen \"" + std::string(bad) + "\"\nend\n");
    EXPECT_EQ(error_lines(result),
              (std::vector<std::string>{"t.conf:2:14: 'listen' wants address:port (127.0.0.1:9469, [::1]:9469; port "
                                        "1..65535), got '" + std::string(bad) + "'"}))
        << bad;
  }
  for (const char* good : {"0.0.0.0:9469", "[::]:80", "[fe80::1]:65535", "192.0.2.1:1"}) {
    const LoadResult result = load("config system prometheus\n  set listen " + std::string(good) + "\nend\n");
    ASSERT_TRUE(result.ok()) << good << ": " << error_lines(result).front();
    EXPECT_EQ(result.policy.prometheus.listen, good);
  }
  const std::optional<config::SocketAddressParts> parts = config::split_socket_address("[2001:db8::1]:9100");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->address, "2001:db8::1");
  EXPECT_EQ(parts->port, 9100);
}

TEST(ControlBlocks, DailySummaryTimeIsAClockTime) {
  for (const char* bad : {"24:00", "7:00", "07:60", "0700", "07:00:00", "-1:00", "ab:cd", " 7:00"}) {
    const LoadResult result = load("config system alertemail\n  set daily-summary-time \"" + std::string(bad) + "\"\nend\n");
    EXPECT_EQ(error_lines(result),
              (std::vector<std::string>{"t.conf:2:26: 'daily-summary-time' wants a time of day HH:MM (00:00..23:59), "
                                        "got '" + std::string(bad) + "'"}))
        << bad;
  }
  for (const char* good : {"00:00", "23:59", "12:30"}) {
    const LoadResult result = load("config system alertemail\n  set daily-summary-time " + std::string(good) + "\nend\n");
    ASSERT_TRUE(result.ok()) << good;
    EXPECT_EQ(result.policy.alert_mail.daily_summary_time, good);
  }
}

TEST(ControlBlocks, AlertMailEnabledNeedsAServerAndARecipient) {
  EXPECT_EQ(error_lines(load("config system alertemail\n  set status enable\nend\n")),
            (std::vector<std::string>{
                "t.conf:2:14: 'status' enable needs a 'server' in 'config system alertemail'",
                "t.conf:2:14: 'status' enable needs at least one 'to' recipient in 'config system alertemail'"}));
  EXPECT_EQ(error_lines(load("config system alertemail\n  set status enable\n  set server \"\"\n  set to a@example.com\n"
                             "end\n")),
            (std::vector<std::string>{"t.conf:2:14: 'status' enable needs a 'server' in 'config system alertemail'"}));
  // A server refused for its own reason is not blamed twice.
  EXPECT_EQ(error_lines(load("config system alertemail\n  set status enable\n  set server relay..example\n"
                             "  set to a@example.com\nend\n")),
            (std::vector<std::string>{
                "t.conf:3:14: 'server' wants a host name or an IPv4 or IPv6 address, got 'relay..example'"}));
  // Disabled, nothing is required.
  EXPECT_TRUE(load("config system alertemail\n  set status disable\nend\n").ok());
}

TEST(ControlBlocks, UsernameAndPasswordComeTogether) {
  EXPECT_EQ(error_lines(load("config system alertemail\n  set username alerts\nend\n")),
            (std::vector<std::string>{"t.conf:2:16: 'username' needs a 'password' in 'config system alertemail'"}));
  EXPECT_EQ(error_lines(load("config system alertemail\n  set password secret\n  set username \"\"\nend\n")),
            (std::vector<std::string>{"t.conf:2:16: 'password' needs a 'username' in 'config system alertemail'"}));
  EXPECT_TRUE(load("config system alertemail\n  set username alerts\n  set password secret\nend\n").ok());
}

TEST(ControlBlocks, SyslogEnabledNeedsAServer) {
  EXPECT_EQ(error_lines(load("config log syslogd\n  set status enable\n  set mode tcp\nend\n")),
            (std::vector<std::string>{"t.conf:2:14: 'status' enable needs a 'server' in 'config log syslogd'"}));
  EXPECT_EQ(error_lines(load("config log syslogd\n  set status enable\n  set server collector.example\nend\n")),
            (std::vector<std::string>{
                "t.conf:3:14: 'server' wants an IPv4 or IPv6 address, got 'collector.example'"}));
}

TEST(ControlBlocks, ValuesOutsideTheirRangeOrShape) {
  EXPECT_EQ(error_lines(load("config system control\n  set history-depth 0\n  set drain-timeout 3601\nend\n"
                             "config log syslogd\n  set port 0\n  set mode tls\nend\n"
                             "config system alertemail\n  set to ops@example.com example.com\n  set from \"\"\n"
                             "  set secure-option ssl\n  set client-cert no-such.pem\nend\n",
                             kExamples)),
            (std::vector<std::string>{
                "t.conf:2:21: 'history-depth' wants an integer 1..10000, got '0'",
                "t.conf:3:21: 'drain-timeout' wants an integer 1..3600, got '3601'",
                "t.conf:6:12: 'port' wants an integer 1..65535, got '0'",
                "t.conf:7:12: 'mode' wants one of udp|tcp, got 'tls'",
                "t.conf:10:26: 'to' wants mail addresses (user@example.com), got 'example.com'",
                "t.conf:11:12: 'from' wants mail addresses (user@example.com), got ''",
                "t.conf:12:21: 'secure-option' wants one of default|none|smtps|starttls, got 'ssl'",
                "t.conf:13:19: 'client-cert' cannot read '" + kExamples +
                    "/no-such.pem': No such file or directory"}));
}

// sluicectl refuses a bad value when it is typed, not at commit.
TEST(ControlBlocks, CandidateRefusesBadValuesOfTheNewBlocksAtSet) {
  edit::CandidateConfig candidate(config::write_config(Policy{}), "/etc/sluice");
  std::string error;
  ASSERT_TRUE(candidate.apply("config log syslogd", &error)) << error;
  EXPECT_FALSE(candidate.apply("set facility maill", &error));
  EXPECT_EQ(error,
            "bad value for 'facility': wants one of kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|"
            "local0|local1|local2|local3|local4|local5|local6|local7, got 'maill' (did you mean 'mail'?)");
  ASSERT_TRUE(candidate.apply("end", &error)) << error;
  ASSERT_TRUE(candidate.apply("config system prometheus", &error)) << error;
  EXPECT_FALSE(candidate.apply("set listen ::1:9469", &error));
  EXPECT_EQ(error, "bad value for 'listen': wants address:port (127.0.0.1:9469, [::1]:9469; port 1..65535), got "
                   "'::1:9469'");
  ASSERT_TRUE(candidate.apply("end", &error)) << error;
  ASSERT_TRUE(candidate.apply("config system alertemail", &error)) << error;
  EXPECT_FALSE(candidate.apply("set daily-summary-time 25:00", &error));
  EXPECT_EQ(error, "bad value for 'daily-summary-time': wants a time of day HH:MM (00:00..23:59), got '25:00'");
  // Named before it exists: refused only by validate(), as the loader would.
  EXPECT_TRUE(candidate.apply("set client-cert /nonexistent/client.pem", &error)) << error;
  EXPECT_EQ(candidate.validate().errors,
            (std::vector<std::string>{"system alertemail: 'client-cert' cannot read '/nonexistent/client.pem': No such "
                                      "file or directory"}));
}

}  // namespace
}  // namespace sluice::control
