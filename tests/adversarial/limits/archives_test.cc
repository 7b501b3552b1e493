// tests/adversarial/limits/archives_test.cc — THREATS.md MIME-13 (archives) through the live relay: every limit of
// `config archive` (depth, expanded bytes, ratio, entries) set explicitly, and the hostile zip layouts (name
// mismatch, entries missing from the central directory, overlapping entries, concatenated zips, encryption). A
// limit reached is refused by `bomb-action` (550 5.7.1) and the backend gets no message; EICAR anywhere in the
// expanded tree is found; a benign twin is delivered byte for byte.
// May call: the conversation harness, mime_messages.h, the archive builders of tests/unit/archive.
#include <gtest/gtest.h>

#include <string>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/unit/archive/archive_test_support.h"

namespace sluice::testing {
namespace {

using archive::test::gzip_member;
using archive::test::Method;
using archive::test::zip_of;
using archive::test::ZipWriter;

constexpr uint32_t kMaxDepth = 5;
constexpr uint32_t kMaxEntries = 1000;

std::string archive_settings(const char* encrypted_action = "reject") {
  return "  set max-depth " + std::to_string(kMaxDepth) + "\n  set max-entries " + std::to_string(kMaxEntries) +
         "\n  set uncompressed-oversize-limit 10\n  set max-ratio 100\n  set ratio-floor 1024\n"
         "  set bomb-action reject\n  set encrypted-action " + encrypted_action + "\n";
}

struct Outcome {
  std::string reply;
  size_t delivered = 0;
  std::string delivered_content;
  std::vector<std::string> reasons;
};

Outcome send_message(const std::string& content, const char* encrypted_action = "reject") {
  RelayConversation c(limits_config({.protocol_options = "  set hold-limit 1024\n",
                                     .archive = archive_settings(encrypted_action)}));
  Outcome o;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return o;
  o.reply = c.exchange(content + ".\r\n", 60);
  c.settle(0.1);
  o.delivered = c.backend().messages.size();
  if (o.delivered > 0) o.delivered_content = c.backend().messages[0];
  if (!c.records().empty()) o.reasons = c.records().back().verdict.reasons;
  return o;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& e : v) s += e + " ";
  return s;
}

void expect_refused(const Outcome& o, std::string_view reason) {
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: ")) << o.reply;
  EXPECT_NE(o.reply.find(reason), std::string::npos) << o.reply;
  EXPECT_EQ(o.delivered, 0u) << "the backend stored nothing";
}

std::string nested_zip(int depth, std::string_view payload) {
  std::string z = zip_of("level0.txt", payload);
  for (int i = 1; i < depth; ++i) z = zip_of("level" + std::to_string(i) + ".zip", z);
  return z;
}

TEST(Mime13Archives, BenignZipIsDeliveredByteForByte) {
  const std::string content = message_with_attachment("report.zip", "application/zip", nested_zip(2, "quarterly"));
  const Outcome o = send_message(content);
  EXPECT_EQ(o.reply, "250 2.0.0 Ok: queued as 1\r\n");
  ASSERT_EQ(o.delivered, 1u);
  EXPECT_EQ(o.delivered_content, content);
}

TEST(Mime13Archives, EicarInsideZipsWithinTheDepthLimitIsFound) {
  expect_refused(send_message(message_with_attachment("a.zip", "application/zip", nested_zip(kMaxDepth, kEicar))),
                 "antivirus:");
}

TEST(Mime13Archives, ZipInZipTenAndFiftyDeepTripsTheDepthLimit) {
  for (int depth : {10, 50}) {
    SCOPED_TRACE(depth);
    expect_refused(send_message(message_with_attachment("deep.zip", "application/zip", nested_zip(depth, "x"))),
                   "archive:bomb");
  }
}

TEST(Mime13Archives, GzipBombTripsTheRatioAndSizeLimits) {
  const std::string bomb = gzip_member(std::string(20 << 20, '\0'), "zeros.bin");
  ASSERT_LT(bomb.size(), 100u * 1024) << "a real bomb: small on the wire";
  expect_refused(send_message(message_with_attachment("zeros.gz", "application/gzip", bomb)), "archive:bomb");
}

TEST(Mime13Archives, TooManyEntriesTripsTheEntryLimit) {
  ZipWriter w;
  for (uint32_t i = 0; i <= kMaxEntries; ++i) w.add("f" + std::to_string(i), "", Method::Stored);
  expect_refused(send_message(message_with_attachment("many.zip", "application/zip", w.finish())), "archive:bomb");
}

TEST(Mime13Archives, OverlappingEntriesAreABomb) {
  ZipWriter w;   // Fifield: two central records sharing one local entry's data
  w.add("a.txt", std::string(4096, 'a'), Method::Deflate);
  w.central(0, "a.txt");
  w.central(0, "b.txt");
  expect_refused(send_message(message_with_attachment("overlap.zip", "application/zip", w.finish())),
                 "archive:bomb");
}

TEST(Mime13Archives, LocalNameDifferingFromTheCentralNameStillHasItsContentScanned) {
  ZipWriter w;
  w.add("a.exe", kEicar, Method::Deflate);
  w.central(0, "a.txt");
  expect_refused(send_message(message_with_attachment("names.zip", "application/zip", w.finish())), "antivirus:");
}

TEST(Mime13Archives, LocalEntryMissingFromTheCentralDirectoryIsStillScanned) {
  ZipWriter w;
  w.add("listed.txt", "harmless", Method::Stored);
  w.add("hidden.com", kEicar, Method::Deflate);
  w.central(0, "listed.txt");   // the directory names only the first entry
  expect_refused(send_message(message_with_attachment("hidden.zip", "application/zip", w.finish())), "antivirus:");
}

TEST(Mime13Archives, SecondOfTwoConcatenatedZipsIsScanned) {
  ZipWriter first, second;
  first.add("readme.txt", "harmless", Method::Stored);
  second.add("eicar.com", kEicar, Method::Deflate);
  expect_refused(send_message(message_with_attachment("two.zip", "application/zip", first.finish() + second.finish())),
                 "antivirus:");
}

TEST(Mime13Archives, EncryptedZipFollowsEncryptedAction) {
  ZipWriter w;
  w.add("secret.txt", "ciphertext-bytes", Method::Stored, ZipWriter::kEncrypted);
  const std::string content =
      message_with_attachment("invoice.zip", "application/zip", w.finish());   // "password: 1234" would be the body
  expect_refused(send_message(content, "reject"), "archive:encrypted");
  const Outcome passed = send_message(content, "pass");
  EXPECT_EQ(passed.reply, "250 2.0.0 Ok: queued as 1\r\n") << joined(passed.reasons);
  ASSERT_EQ(passed.delivered, 1u);
  EXPECT_EQ(passed.delivered_content, content);
}

}  // namespace
}  // namespace sluice::testing
