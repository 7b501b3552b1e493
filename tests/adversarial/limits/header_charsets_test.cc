// tests/adversarial/limits/header_charsets_test.cc — THREATS.md MIME-15 (header charsets) through the live relay:
// 10,000 encoded-words decode in bounded time, UTF-7 and over-long UTF-8 are judged on what a reader would see, and
// a display name carrying another address is checked the same whether it is plain or encoded. Header rules
// (`config spamfilter rule`, scope header) see the decoded value; the backend always gets the header as sent.
// May call: the conversation harness, mime_messages.h, the record's JSON writer.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "scan/inspector/message_record.h"
#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"

namespace sluice::testing {
namespace {

// Two header rules worth the reject threshold each: markup in Subject, the CEO's address anywhere in From.
const char* kSpamRules = R"(config spamfilter settings
  set tag-threshold 5
  set reject-threshold 10
end
config spamfilter rule
  edit "script-in-subject"
    set pattern "<script"
    set scope header
    set header Subject
    set score 10
  next
  edit "ceo-in-from"
    set pattern "ceo@protected\\.example"
    set scope header
    set header From
    set score 10
  next
end
)";

struct Sent {
  std::string reply;
  size_t delivered = 0;
  std::string delivered_content;
  std::string record_json;
  std::string subject;
  double seconds = 0;
};

Sent send_message(const std::string& headers) {
  RelayConversation c(limits_config({.mime_limits = "  set max-header-size 1048576\n", .extra = kSpamRules}));
  Sent s;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return s;
  const std::string content = headers + "\r\nbody\r\n";
  const auto start = std::chrono::steady_clock::now();
  s.reply = c.exchange(content + ".\r\n", 30);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  c.settle(0.05);
  s.delivered = c.backend().messages.size();
  if (s.delivered > 0) s.delivered_content = c.backend().messages[0];
  EXPECT_TRUE(s.delivered == 0 || s.delivered_content == content) << "headers reach the backend exactly as sent";
  if (!c.records().empty()) {
    scan::write_message_json(c.records().back(), s.record_json);
    s.subject = c.records().back().subject;
  }
  return s;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && b < 0xC2)) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

const std::string kFrom = "From: <a@client.example>\r\nTo: <b@mx.example>\r\n";

TEST(Mime15HeaderCharsets, TenThousandEncodedWordsInSubjectDecodeInBoundedTime) {
  std::string subject = "Subject:";
  for (int i = 0; i < 10'000; ++i) subject += " =?UTF-8?B?" + base64_lines("w" + std::to_string(i % 10)).substr(0, 4) + "?=";
  const Sent s = send_message(kFrom + subject + "\r\n");
  EXPECT_EQ(s.reply, "250 2.0.0 Ok: queued as 1\r\n");
  EXPECT_EQ(s.delivered, 1u);
  EXPECT_TRUE(s.subject.starts_with("w0w1w2")) << "decoded, adjacent words joined: " << s.subject.substr(0, 40);
  EXPECT_LT(s.seconds, 5.0);
}

TEST(Mime15HeaderCharsets, EncodedWordsHidingMarkupAreJudgedDecoded) {
  const Sent s = send_message(kFrom + "Subject: =?UTF-8?B?" + base64_lines("<script>").substr(0, 12) + "?=\r\n");
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 ")) << s.reply;
  EXPECT_EQ(s.delivered, 0u);
}

TEST(Mime15HeaderCharsets, Utf7MarkupIsJudgedAsAReaderDecodesIt) {
  // RFC 2047 words in UTF-7 (RFC 2152) are decoded like any other charset, so the markup a UTF-7 reader shows is
  // what the Subject rule sees.
  const Sent s = send_message(kFrom + "Subject: =?UTF-7?Q?+ADw-script+AD4-alert(1)+ADw-/script+AD4-?=\r\n");
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 ")) << s.reply << " subject seen as: " << s.subject;
  EXPECT_EQ(s.delivered, 0u);
}

TEST(Mime15HeaderCharsets, OverlongUtf8NeverBecomesMarkupAndTheLogStaysValidUtf8) {
  // C0 BC is an over-long '<': no conforming reader shows it as '<', so the rule must not fire either.
  const Sent s = send_message(kFrom + "Subject: \xC0\xBCscript\xC0\xBE raw 8-bit \xE9t\xE9\r\n");
  EXPECT_EQ(s.reply, "250 2.0.0 Ok: queued as 1\r\n");
  EXPECT_EQ(s.delivered, 1u);
  EXPECT_FALSE(s.record_json.empty());
  EXPECT_TRUE(valid_utf8(s.record_json)) << s.record_json.substr(0, 400);
}

TEST(Mime15HeaderCharsets, DisplayNameCarryingAnotherAddressIsCheckedPlainAndEncoded) {
  const Sent plain = send_message("From: \"ceo@protected.example\" <evil@attacker.example>\r\nTo: <b@mx.example>\r\n");
  EXPECT_TRUE(plain.reply.starts_with("550 5.7.1 ")) << plain.reply;
  EXPECT_EQ(plain.delivered, 0u);
  const Sent encoded = send_message("From: =?UTF-8?B?" + base64_lines("ceo@protected.example").substr(0, 28) +
                                    "?= <evil@attacker.example>\r\nTo: <b@mx.example>\r\n");
  EXPECT_TRUE(encoded.reply.starts_with("550 5.7.1 ")) << encoded.reply;
  EXPECT_EQ(encoded.delivered, 0u);
}

}  // namespace
}  // namespace sluice::testing
