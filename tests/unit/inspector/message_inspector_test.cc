// The inspector end to end on real components: real Hyperscan database, real MIME parser, real archives.
#include "scan/inspector/message_inspector.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>

namespace sluice::scan {
namespace {

const std::string kEicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";
const std::string kEicarBase64 =
    "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=";

control::Policy base_policy() {
  control::Policy p;
  p.antivirus.builtin_eicar = true;
  // These tests pin the content scanners under names like eicar.com; banned names are banned_names_test.cc's.
  p.attachment_filter.enabled = false;
  control::SpamRule rule;
  rule.name = "lottery";
  rule.header = "Subject";
  rule.pattern = "lottery";
  rule.score = 6;
  p.spam.rules.push_back(rule);
  return p;
}


MessageRecord inspect(const control::Policy& policy, const std::string& mail, size_t chunk = 1460) {
  std::string error;
  auto snapshot = build_policy_snapshot(policy, &error);
  EXPECT_NE(snapshot, nullptr) << error;
  engine::Scratch scratch(*snapshot->database);
  MessageInspector inspector(*snapshot, scratch);
  MessageRecord record;
  inspector.begin(&record);
  for (size_t off = 0; off < mail.size(); off += chunk) inspector.feed(std::string_view(mail).substr(off, chunk));
  smtp::MessageEnd end;
  end.complete = true;
  end.size = mail.size();
  inspector.finish(end);
  return record;
}

bool has_flag(const MessageRecord& r, std::string_view flag) {
  return std::find(r.flags.begin(), r.flags.end(), flag) != r.flags.end();
}

std::string mail_with_attachment(const std::string& name, const std::string& base64_body) {
  return "From: a@ext.example\r\nSubject: test\r\nMessage-ID: <m1@x>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n\r\nsee http://www.example.org/x\r\n"
         "--b\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\n"
         "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n" +
         base64_body + "\r\n--b--\r\n";
}

TEST(MessageInspector, CleanMessagePassesAndIsDescribed) {
  const MessageRecord r = inspect(base_policy(), mail_with_attachment("note.txt", "aGVsbG8gd29ybGQK"));
  EXPECT_EQ(r.verdict.action, control::Action::Pass);
  EXPECT_EQ(r.subject, "test");
  EXPECT_EQ(r.message_id, "<m1@x>");
  ASSERT_EQ(r.attachments.size(), 1u);
  EXPECT_EQ(r.attachments[0].name, "note.txt");
  EXPECT_EQ(r.attachments[0].size, 12u);
  // sha256("hello world\n")
  EXPECT_EQ(r.attachments[0].sha256, "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447");
  ASSERT_EQ(r.urls.size(), 1u);
  EXPECT_EQ(r.urls[0].url, "http://www.example.org/x");
  EXPECT_TRUE(r.hits.empty());
}

TEST(MessageInspector, EicarAttachmentIsRejectedWithTheRuleNamed) {
  for (size_t chunk : {1, 7, 1460}) {
    const MessageRecord r = inspect(base_policy(), mail_with_attachment("eicar.com", kEicarBase64), chunk);
    EXPECT_EQ(r.verdict.action, control::Action::Reject) << "chunk " << chunk;
    ASSERT_EQ(r.hits.size(), 1u);
    EXPECT_EQ(r.hits[0].name, "Eicar-Test-Signature");
    EXPECT_EQ(r.hits[0].where, "eicar.com");
    EXPECT_EQ(r.verdict.reasons, std::vector<std::string>{"antivirus:Eicar-Test-Signature"});
  }
}

TEST(MessageInspector, ActionFollowsPolicy) {
  control::Policy p = base_policy();
  p.antivirus.action = control::Action::Quarantine;
  EXPECT_EQ(inspect(p, mail_with_attachment("e.com", kEicarBase64)).verdict.action, control::Action::Quarantine);
}

TEST(MessageInspector, HeaderRuleScoresTagMessage) {
  const std::string mail = "Subject: win the LOTTERY now\r\n\r\nbody\r\n";
  const MessageRecord r = inspect(base_policy(), mail);
  EXPECT_EQ(r.spam_score, 6);
  EXPECT_EQ(r.verdict.action, control::Action::Tag);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].kind, "header_rule");
}

TEST(MessageInspector, ListedUrlRejects) {
  control::Policy p = base_policy();
  std::string error;
  const std::string mail = "Content-Type: text/html\r\n\r\n<a href=\"https://x.phish.example/login\">x</a>\r\n";
  auto snapshot = build_policy_snapshot(p, &error);
  ASSERT_NE(snapshot, nullptr);
  // Lists come from files in production; here the snapshot is built, then given an entry.
  auto& lists = const_cast<url::UrlLists&>(snapshot->url_lists);
  lists.add_domain("phish.example");
  engine::Scratch scratch(*snapshot->database);
  MessageInspector inspector(*snapshot, scratch);
  MessageRecord r;
  inspector.begin(&r);
  inspector.feed(mail);
  inspector.finish(smtp::MessageEnd{});
  EXPECT_EQ(r.verdict.action, control::Action::Reject);
  ASSERT_EQ(r.urls.size(), 1u);
  EXPECT_EQ(r.urls[0].listed, "phish.example");
}

TEST(MessageInspector, UrlCapPerPartComesFromTheSettings) {
  control::Policy p = base_policy();
  p.url_filter.max_urls_per_part = 2;
  const std::string mail = "Subject: links\r\n\r\nhttp://a.example/ http://b.example/ http://c.example/ "
                           "http://d.example/\r\n";
  const MessageRecord r = inspect(p, mail);
  EXPECT_EQ(r.urls.size(), 2u);
  EXPECT_EQ(r.urls_dropped, 2u);
}

// A listed link behind more harmless links than either cap keeps (per part, per message) is still matched and kept:
// the caps bound the record, not what the verdict sees.
TEST(MessageInspector, AListedUrlPastTheUrlCapsIsStillFound) {
  control::Policy p = base_policy();
  p.url_filter.max_urls_per_part = 8;
  std::string error;
  auto snapshot = build_policy_snapshot(p, &error);
  ASSERT_NE(snapshot, nullptr);
  auto& lists = const_cast<url::UrlLists&>(snapshot->url_lists);
  lists.add_domain("phish.example");
  engine::Scratch scratch(*snapshot->database);
  MessageInspector inspector(*snapshot, scratch);
  // One part with 20 harmless links then the listed one (per-part cap), and 600 parts' worth of distinct links
  // spread over 80 parts of 8 (per-message cap of 512) before a part whose last link is listed.
  std::string mail = "Subject: links\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  uint32_t n = 0;
  for (int part = 0; part < 80; ++part) {
    mail += "--b\r\nContent-Type: text/plain\r\n\r\n";
    for (int i = 0; i < 8; ++i) mail += "http://site" + std::to_string(n++) + ".example/ ";
    mail += "\r\n";
  }
  mail += "--b\r\nContent-Type: text/plain\r\n\r\n";
  for (int i = 0; i < 20; ++i) mail += "http://more" + std::to_string(i) + ".example/ ";
  mail += "https://x.phish.example/login\r\n--b--\r\n";
  MessageRecord r;
  inspector.begin(&r);
  inspector.feed(mail);
  inspector.finish(smtp::MessageEnd{});
  EXPECT_EQ(r.verdict.action, control::Action::Reject);
  bool listed = false;
  for (const UrlRecord& u : r.urls) listed = listed || u.listed == "phish.example";
  EXPECT_TRUE(listed);
  EXPECT_GT(r.urls_dropped, 100u);
  EXPECT_LE(r.urls.size(), 512u + url::kListedBeyondCap);
}

TEST(MessageInspector, ExhaustedBudgetAppliesScanTimeoutAction) {
  control::Policy p = base_policy();
  p.scan.cycles_per_message = 1;
  p.scan.scan_timeout_action = control::Action::Tempfail;
  const MessageRecord r = inspect(p, mail_with_attachment("eicar.com", kEicarBase64), 16);
  EXPECT_TRUE(r.scan_timeout);
  EXPECT_TRUE(has_flag(r, "scan_timeout"));
  EXPECT_EQ(r.verdict.action, control::Action::Tempfail);
}

TEST(MessageInspector, OversizeStopsScanningAndAppliesAction) {
  control::Policy p = base_policy();
  p.smtp.oversize_limit_mb = 1;
  p.smtp.oversize_action = control::Action::Reject;
  const std::string mail = "Subject: big\r\n\r\n" + std::string(2 << 20, 'a') + "\r\n" + kEicar + "\r\n";
  const MessageRecord r = inspect(p, mail);
  EXPECT_TRUE(has_flag(r, "oversize"));
  EXPECT_EQ(r.verdict.action, control::Action::Reject);
  EXPECT_TRUE(r.hits.empty());   // EICAR lies beyond the limit: not scanned, as FortiOS does
}

TEST(MessageInspector, DuplicateBoundaryIsAmbiguousAndBothReadingsAreScanned) {
  const std::string mail =
      "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"A\"; boundary=\"B\"\r\n\r\n"
      "--A\r\nContent-Type: text/plain\r\n\r\nclean\r\n--A--\r\n"
      "--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
      kEicarBase64 + "\r\n--B--\r\n";
  const MessageRecord r = inspect(base_policy(), mail);
  EXPECT_TRUE(has_flag(r, "duplicate_boundary"));
  EXPECT_EQ(r.verdict.action, control::Action::Reject);
  ASSERT_FALSE(r.hits.empty());
  EXPECT_EQ(r.hits[0].name, "Eicar-Test-Signature");
}

TEST(MessageInspector, GzipAttachmentIsExpandedAndScanned) {
  std::string gz(256, '\0');
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(kEicar.data()));
  z.avail_in = static_cast<uInt>(kEicar.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  // base64 of the gzip bytes
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (size_t i = 0; i < gz.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(gz[i]) << 16;
    if (i + 1 < gz.size()) v |= static_cast<uint8_t>(gz[i + 1]) << 8;
    if (i + 2 < gz.size()) v |= static_cast<uint8_t>(gz[i + 2]);
    b64 += kAlphabet[v >> 18 & 63];
    b64 += kAlphabet[v >> 12 & 63];
    b64 += i + 1 < gz.size() ? kAlphabet[v >> 6 & 63] : '=';
    b64 += i + 2 < gz.size() ? kAlphabet[v & 63] : '=';
  }
  const MessageRecord r = inspect(base_policy(), mail_with_attachment("e.gz", b64));
  EXPECT_EQ(r.verdict.action, control::Action::Reject);
  ASSERT_FALSE(r.hits.empty());
  EXPECT_EQ(r.hits[0].name, "Eicar-Test-Signature");
  EXPECT_GE(r.attachments.size(), 2u);   // the .gz and its expanded entry
}

}  // namespace
}  // namespace sluice::scan
