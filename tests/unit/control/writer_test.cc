// 'show': Policy back to text, and text -> Policy -> text round trips.
#include "control/config/writer.h"

#include <gtest/gtest.h>

#include "tests/unit/control/load_helpers.h"

namespace sluice::control::config {
namespace {

using control::testing::error_lines;

TEST(Writer, QuotesOnlyWhatTheLexerWouldSplitOrUnescape) {
  EXPECT_EQ(quote_word("max-depth"), "max-depth");
  EXPECT_EQ(quote_word("/a/b.ndb"), "/a/b.ndb");
  EXPECT_EQ(quote_word(""), "\"\"");
  EXPECT_EQ(quote_word("a b"), "\"a b\"");
  EXPECT_EQ(quote_word("x#y"), "\"x#y\"");
  EXPECT_EQ(quote_word(R"(say "hi" \d)"), R"("say \"hi\" \\d")");
}

TEST(Writer, DefaultPolicyShowsEveryKeyWithItsDefault) {
  EXPECT_EQ(write_config(Policy{}),
            "config system interface\n"
            "end\n"
            "config firewall vip\n"
            "end\n"
            "config ssl profile\n"
            "end\n"
            "config smtp protocol-options\n"
            "    set ports 25 465 587\n"
            "    set oversize-limit 10\n"
            "    set oversize-action reject\n"
            "    set max-recipients 1000\n"
            "    set max-command-line 2048\n"
            "    set max-line-length 2048\n"
            "    set bare-newline normalize\n"
            "    set max-reply-line 2048\n"
            "    set max-pipelined-commands 1000\n"
            "    set max-pipelined-bytes 65536\n"
            "    set chunking enable\n"
            "    set hold-limit 256\n"
            "    set long-line-action pass\n"
            "    set max-errors 20\n"
            "    set max-junk-commands 100\n"
            "    set max-recipient-overshoot 1000\n"
            "    set command-timeout 300\n"
            "    set min-data-rate 500\n"
            "end\n"
            "config smtp envelope\n"
            "end\n"
            "config reputation settings\n"
            "    set reject-threshold 5\n"
            "    set tempfail-threshold 0\n"
            "end\n"
            "config reputation list\n"
            "end\n"
            "config greylist\n"
            "    set status disable\n"
            "    set delay 300\n"
            "    set retry-window 172800\n"
            "    set lifetime 3024000\n"
            "    set max-entries 100000\n"
            "    set ipv4-prefix 24\n"
            "    set ipv6-prefix 64\n"
            "end\n"
            "config mime limits\n"
            "    set max-depth 20\n"
            "    set max-parts 1000\n"
            "    set max-header-size 102400\n"
            "    set max-line-length 2048\n"
            "    set max-boundary-length 2048\n"
            "    set max-boundary-candidates 32\n"
            "    set max-filename-length 255\n"
            "    set max-flat-views 64\n"
            "    set ambiguity-action reject\n"
            "end\n"
            "config archive\n"
            "    set uncompressed-oversize-limit 10\n"
            "    set max-ratio 100\n"
            "    set max-depth 5\n"
            "    set max-entries 1000\n"
            "    set ratio-floor 1024\n"
            "    set max-name-length 1024\n"
            "    set scan-bzip2 enable\n"
            "    set bomb-action reject\n"
            "    set encrypted-action pass\n"
            "    set max-buffered-size 25\n"
            "    set buffer-limit-action reject\n"
            "end\n"
            "config antivirus\n"
            "    set builtin-eicar enable\n"
            "    set action reject\n"
            "end\n"
            "config attachment-filter\n"
            "    set status enable\n"
            "    set banned-extensions exe com scr pif bat cmd cpl msi msp mst msc hta js jse vbs vbe wsf wsh wsc sct ps1 "
            "lnk jar reg chm xll appx msix iso img vhd vhdx\n"
            "    set action reject\n"
            "    set archive-entries enable\n"
            "    set truncated-name-action reject\n"
            "    set executable-content enable\n"
            "    set disk-image-content enable\n"
            "end\n"
            "config url-filter\n"
            "    set action reject\n"
            "    set max-urls-per-part 256\n"
            "    set max-url-length 2048\n"
            "    set max-pdf-inflated-size 16\n"
            "    set max-pdf-stream-inflated-size 4\n"
            "end\n"
            "config spamfilter settings\n"
            "    set tag-threshold 5\n"
            "    set reject-threshold 10\n"
            "end\n"
            "config spamfilter rule\n"
            "end\n"
            "config quarantine\n"
            "    set directory \"\"\n"
            "    set action reject\n"
            "    set max-size 25\n"
            "end\n"
            "config scan budget\n"
            "    set cycles-per-message 2000000000\n"
            "    set scan-timeout-action tempfail\n"
            "    set slice-cycles 1000000\n"
            "    set verdict-timeout 30000\n"
            "end\n"
            "config system session\n"
            "    set max-flows 65536\n"
            "    set max-connections-per-client 50\n"
            "    set client-v6-prefix 64\n"
            "    set idle-timeout 300\n"
            "    set reassembly-memory 256\n"
            "    set reassembly-segments 128\n"
    "    set workers 1\n"
            "    set fragment-datagrams 64\n"
            "    set fragment-timeout 2000\n"
            "    set fragments-per-datagram 16\n"
            "end\n"
            "config system tcp\n"
            "    set send-buffer 64\n"
            "    set receive-buffer 64\n"
            "    set window-scale 7\n"
            "    set sack enable\n"
            "    set rto-min 200\n"
            "    set rto-initial 1000\n"
            "    set rto-max 60000\n"
            "    set max-retransmits 8\n"
            "    set syn-retries 4\n"
            "    set connect-timeout 10\n"
            "    set time-wait 60\n"
            "    set fin-wait2 60\n"
            "    set max-half-open 64\n"
            "    set syn-cookies enable\n"
            "    set neighbour-timeout 300\n"
            "end\n"
            "config system tls\n"
            "    set workers 0\n"
            "    set engine \"\"\n"
            "    set provider \"\"\n"
            "    set provider-path \"\"\n"
            "    set async enable\n"
            "    set max-legs 4096\n"
            "end\n"
            "config system control\n"
            "    set socket /run/sluice/sluice.sock\n"
            "    set group \"\"\n"
            "    set history-dir /var/lib/sluice/history\n"
            "    set history-depth 50\n"
            "    set watch-files enable\n"
            "    set trace-max-lines 10000\n"
            "    set drain-timeout 60\n"
            "    set probe-netns \"\"\n"
            "end\n"
            "config system alertemail\n"
            "    set status disable\n"
            "    set server \"\"\n"
            "    set port 0\n"
            "    set secure-option default\n"
            "    set username \"\"\n"
            "    set password \"\"\n"
            "    set client-cert \"\"\n"
            "    set ca-file \"\"\n"
            "    set verify disable\n"
            "    set from sluice@localhost\n"
            "    set helo \"\"\n"
            "    set queue-dir /var/spool/sluice/alerts\n"
            "    set retry-interval 60\n"
            "    set max-age 72\n"
            "    set timeout 30\n"
            "    set quarantine-notice enable\n"
            "    set critical-events enable\n"
            "    set daily-summary enable\n"
            "    set daily-summary-time 07:00\n"
            "end\n"
            "config system prometheus\n"
            "    set status disable\n"
            "    set listen 127.0.0.1:9469\n"
            "end\n"
            "config log settings\n"
            "    set file \"\"\n"
            "    set log-all enable\n"
            "end\n"
            "config log syslogd\n"
            "    set status disable\n"
            "    set port 514\n"
            "    set mode udp\n"
            "    set facility mail\n"
            "end\n");
}

TEST(Writer, TableEntriesAreShownInOrder) {
  Policy policy;
  policy.vips.push_back(Vip{.name = "mail in", .extip = "192.0.2.1", .mappedip = "10.0.0.1", .ports = {25}});
  policy.spam.rules.push_back(SpamRule{.name = "r", .pattern = R"(a "b")", .header_scope = false, .score = -2});
  const std::string text = write_config(policy);
  EXPECT_NE(text.find("config firewall vip\n"
                      "    edit \"mail in\"\n"
                      "        set extip 192.0.2.1\n"
                      "        set mappedip 10.0.0.1\n"
                      "        set ports 25\n"
                      "        set mappedport 0\n"
                      "        set ssl-profile \"\"\n"
                      "    next\n"
                      "end\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    edit r\n"
                      "        set scope body\n"
                      "        set header \"\"\n"
                      "        set pattern \"a \\\"b\\\"\"\n"
                      "        set score -2\n"
                      "        set caseless enable\n"
                      "    next\n"),
            std::string::npos)
      << text;
}

TEST(Writer, ExampleRoundTripsThroughShow) {
  const LoadResult example = load_config_file(std::string(SLUICE_CONTROL_SOURCE_DIR) + "/sluice.conf.example");
  ASSERT_TRUE(example.ok());
  const std::string shown = write_config(example.policy);
  const LoadResult reloaded = load_config_text(shown, "shown.conf", "/elsewhere");
  ASSERT_TRUE(reloaded.ok()) << error_lines(reloaded).front();
  EXPECT_EQ(write_config(reloaded.policy), shown);
  // 'block' is an alias: show prints the canonical word.
  EXPECT_NE(shown.find("set oversize-action reject\n"), std::string::npos);
  // Lists of patterns and prefixes come back word for word, a quoted word quoted only when it must be.
  EXPECT_NE(shown.find("    set sender-blocklist spammer@example.org @bulk.example .junk.example\n"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("        set prefixes 192.0.2.0/24 2001:db8:bad::/48\n"), std::string::npos) << shown;
}

TEST(Writer, ReputationListsAreShownWithTheirEntries) {
  Policy policy;
  policy.reputation_lists.push_back(ReputationList{.name = "bad", .prefixes = {"0.0.0.0/0", "::/0"}, .score = -3});
  const std::string text = write_config(policy);
  EXPECT_NE(text.find("config reputation list\n"
                      "    edit bad\n"
                      "        set prefixes 0.0.0.0/0 ::/0\n"
                      "        set file \"\"\n"
                      "        set score -3\n"
                      "    next\n"
                      "end\n"),
            std::string::npos)
      << text;
  const LoadResult reloaded = load_config_text(text, "shown.conf", "");
  ASSERT_TRUE(reloaded.ok()) << error_lines(reloaded).front();
  EXPECT_EQ(write_config(reloaded.policy), text);
}

}  // namespace
}  // namespace sluice::control::config
