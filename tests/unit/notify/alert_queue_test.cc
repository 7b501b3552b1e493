// The alert queue on a real directory, delivering to the test SMTP server; build_alert_message's bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/notify/alert_message.h"
#include "control/notify/alert_queue.h"
#include "tests/unit/notify/notify_fixture.h"

namespace sluice::control::notify::test {
namespace {

namespace fs = std::filesystem;

class AlertQueueTest : public NotifyTest {
 protected:
  void SetUp() override {
    NotifyTest::SetUp();
    char tmpl[] = "/tmp/sluice-notify-queue-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    settings_.dir = dir_ + "/queue";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  size_t files_in(const std::string& dir, const std::string& suffix = ".alert") const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().string().size() >= suffix.size() &&
          e.path().string().compare(e.path().string().size() - suffix.size(), suffix.size(), suffix) == 0)
        ++n;
    return n;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

  std::string dir_;
  AlertQueueSettings settings_;
  const std::string from_ = "alerts@sluice.test";
  const std::vector<std::string> to_ = {"admin@sluice.test"};
};

TEST_F(AlertQueueTest, SurvivesARestartWhileTheServerIsDownThenDelivers) {
  const uint16_t port = TestSmtpServer::unused_port();
  MailServer m;
  m.host = "127.0.0.1";
  m.port = port;
  m.timeout_ms = 2000;
  std::string id1, id2, error;
  {
    AlertQueue q;
    ASSERT_TRUE(q.open(settings_, &error)) << error;
    ASSERT_TRUE(q.enqueue("quarantine notice", "message 1 held\n", &id1, &error)) << error;
    ASSERT_TRUE(q.enqueue("critical: worker restarted", "lcore 3\n.\nend\n", &id2, &error)) << error;
    EXPECT_LT(id1, id2);   // ids sort by age
    AlertQueue::RunStats st = q.deliver_due(m, from_, to_, now());
    EXPECT_EQ(st.sent, 0u);
    EXPECT_EQ(st.deferred, 2u);
    EXPECT_EQ(st.failed, 0u);
    EXPECT_EQ(st.last_error, "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
    EXPECT_EQ(q.queued(), 2u);
  }
  EXPECT_EQ(files_in(settings_.dir), 2u);
  const std::string stored = read(settings_.dir + "/" + id1 + ".alert");
  EXPECT_NE(stored.find("attempts: 1\n"), std::string::npos) << stored;
  EXPECT_NE(stored.find("last-error: connect to 127.0.0.1:"), std::string::npos) << stored;

  // The daemon restarts: a new queue object finds both alerts, still waiting out their retry interval.
  AlertQueue q;
  ASSERT_TRUE(q.open(settings_, &error)) << error;
  EXPECT_EQ(q.queued(), 2u);
  EXPECT_EQ(q.ids(), (std::vector<std::string>{id1, id2}));
  AlertQueue::RunStats early = q.deliver_due(m, from_, to_, now() + 1);
  EXPECT_EQ(early.sent + early.deferred + early.failed, 0u);

  TestSmtpServer server(ServerConfig{}, port);   // the server comes back on its address
  AlertQueue::RunStats st = q.deliver_due(m, from_, to_, now() + settings_.retry_interval_s + 1);
  EXPECT_EQ(st.sent, 2u) << st.last_error;
  EXPECT_EQ(q.queued(), 0u);
  EXPECT_EQ(files_in(settings_.dir), 0u);
  ASSERT_EQ(server.messages().size(), 2u);
  const std::string first = server.messages()[0].raw_data;
  EXPECT_NE(first.find("Subject: quarantine notice\r\n"), std::string::npos) << first;
  EXPECT_NE(first.find("Message-ID: <sluice-alert-" + id1 + "@sluice.test>\r\n"), std::string::npos) << first;
  EXPECT_NE(first.find("\r\n\r\nmessage 1 held\r\n"), std::string::npos) << first;
  EXPECT_NE(server.messages()[1].raw_data.find("\r\nlcore 3\r\n..\r\nend\r\n"), std::string::npos);
}

TEST_F(AlertQueueTest, PermanentRefusalMovesTheAlertToFailedWithTheReason) {
  ServerConfig config;
  config.replies["END"] = "554 5.7.1 Message rejected: spam";
  TestSmtpServer server(config);
  AlertQueue q;
  std::string id, error;
  ASSERT_TRUE(q.open(settings_, &error)) << error;
  ASSERT_TRUE(q.enqueue("daily summary", "all quiet\n", &id, &error)) << error;
  AlertQueue::RunStats st = q.deliver_due(at(server, SecureOption::None), from_, to_, now());
  EXPECT_EQ(st.failed, 1u);
  EXPECT_EQ(st.last_error, "message rejected: 554 5.7.1 Message rejected: spam");
  EXPECT_EQ(q.queued(), 0u);
  EXPECT_EQ(files_in(settings_.dir), 0u);
  const std::string failed = read(q.failed_dir() + "/" + id + ".alert");
  EXPECT_NE(failed.find("failed: message rejected: 554 5.7.1 Message rejected: spam\n"), std::string::npos) << failed;
  EXPECT_NE(failed.find("subject: daily summary\n"), std::string::npos) << failed;
  // A restart does not resurrect it.
  AlertQueue again;
  ASSERT_TRUE(again.open(settings_, &error));
  EXPECT_EQ(again.queued(), 0u);
}

TEST_F(AlertQueueTest, TransientRefusalStaysQueued) {
  ServerConfig config;
  config.replies["MAIL"] = "421 4.3.2 System not accepting network messages";
  TestSmtpServer server(config);
  AlertQueue q;
  std::string id, error;
  ASSERT_TRUE(q.open(settings_, &error)) << error;
  ASSERT_TRUE(q.enqueue("notice", "body\n", &id, &error)) << error;
  AlertQueue::RunStats st = q.deliver_due(at(server, SecureOption::None), from_, to_, now());
  EXPECT_EQ(st.deferred, 1u);
  EXPECT_EQ(st.last_error, "MAIL FROM rejected: 421 4.3.2 System not accepting network messages");
  EXPECT_EQ(q.queued(), 1u);
}

TEST_F(AlertQueueTest, TooOldIsDroppedWithoutAConnection) {
  TestSmtpServer server(ServerConfig{});
  AlertQueue q;
  std::string id, error;
  ASSERT_TRUE(q.open(settings_, &error)) << error;
  ASSERT_TRUE(q.enqueue("stale", "old news\n", &id, &error)) << error;
  AlertQueue::RunStats st =
      q.deliver_due(at(server, SecureOption::None), from_, to_, now() + int64_t{settings_.max_age_h} * 3600 + 10);
  EXPECT_EQ(st.failed, 1u);
  EXPECT_EQ(st.sent, 0u);
  EXPECT_EQ(q.queued(), 0u);
  EXPECT_TRUE(server.sessions().empty());
  const std::string failed = read(q.failed_dir() + "/" + id + ".alert");
  EXPECT_NE(failed.find("failed: expired after 72 h in the queue (0 attempts)\n"), std::string::npos) << failed;
}

TEST_F(AlertQueueTest, LimitsAndLeftovers) {
  settings_.max_queued = 2;
  settings_.max_alert_bytes = 64;
  AlertQueue q;
  std::string id, error;
  ASSERT_TRUE(q.open(settings_, &error)) << error;
  EXPECT_FALSE(q.enqueue("big", std::string(100, 'x'), &id, &error));
  EXPECT_EQ(error, "alert of 103 bytes exceeds max-alert-bytes (64)");
  ASSERT_TRUE(q.enqueue("a", "1", &id, &error));
  ASSERT_TRUE(q.enqueue("b", "2", &id, &error));
  EXPECT_FALSE(q.enqueue("c", "3", &id, &error));
  EXPECT_EQ(error, "alert queue full (2 alerts, max-queued); alert dropped");

  // What a crash can leave: a half-written temp file, and a file that is not ours.
  std::ofstream(settings_.dir + "/x.alert.tmp") << "partial";
  std::ofstream(settings_.dir + "/garbage.alert") << "not an alert";
  AlertQueue again;
  ASSERT_TRUE(again.open(settings_, &error)) << error;
  EXPECT_EQ(again.queued(), 2u);
  EXPECT_FALSE(fs::exists(settings_.dir + "/x.alert.tmp"));
  EXPECT_TRUE(fs::exists(again.failed_dir() + "/garbage.alert"));

  AlertQueue closed;
  EXPECT_FALSE(closed.enqueue("a", "b", &id, &error));
  EXPECT_EQ(error, "alert queue is not open");
  AlertQueueSettings none;
  EXPECT_FALSE(closed.open(none, &error));
  EXPECT_EQ(error, "alert queue: no directory configured");
}

TEST(AlertMessage, HeadersAndEncodings) {
  const std::string m = build_alert_message("alerts@sluice.test", {"a@sluice.test", "b@sluice.test"},
                                            "quarantine\r\nBcc: evil@x", "line 1\nline 2\n", 1700000000, "seed1");
  EXPECT_EQ(m,
            "From: <alerts@sluice.test>\r\n"
            "To: <a@sluice.test>,\r\n <b@sluice.test>\r\n"
            "Subject: quarantine  Bcc: evil@x\r\n"
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            "Message-ID: <seed1@sluice.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "line 1\r\nline 2\r\n");
  const std::string utf8 = build_alert_message("alerts@sluice.test", {"a@sluice.test"}, "Quarantäne", "Grüße\n",
                                               1700000000, "seed2");
  EXPECT_NE(utf8.find("Subject: =?UTF-8?B?UXVhcmFudMOkbmU=?=\r\n"), std::string::npos) << utf8;
  EXPECT_NE(utf8.find("Content-Transfer-Encoding: base64\r\n\r\nR3LDvMOfZQo=\r\n"), std::string::npos) << utf8;
  EXPECT_EQ(build_alert_message("a@b", {"c@d"}, "s", "x", 1, "id"), build_alert_message("a@b", {"c@d"}, "s", "x", 1, "id"));
}

}  // namespace
}  // namespace sluice::control::notify::test
