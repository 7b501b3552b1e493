// tests/adversarial/limits/huge_headers_test.cc — THREATS.md RES-7 (huge headers) through the live relay: a top-level
// header block over `config mime limits` `max-header-size` is refused with 552 5.3.4 (not truncated, so the scanner
// and the backend never see different headers) and the backend stores nothing; a block within it passes intact.
// May call: the conversation harness (relay_conversation.h).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/adversarial/limits/relay_conversation.h"

namespace sluice::testing {
namespace {

constexpr uint32_t kMaxHeaderSize = 102400;   // Postfix header_size_limit; set explicitly below

RelayConversation* open_conversation(std::unique_ptr<RelayConversation>& c) {
  c = std::make_unique<RelayConversation>(limits_config(
      {.protocol_options = "  set hold-limit 256\n  set oversize-limit 20\n",
       .mime_limits = "  set max-header-size " + std::to_string(kMaxHeaderSize) + "\n"}));
  EXPECT_TRUE(c->ok()) << c->error();
  EXPECT_TRUE(c->open());
  EXPECT_TRUE(c->start_message());
  return c.get();
}

// Sends a message whose header block is `header_block` (without the empty line) and checks the refusal.
void expect_refused(const std::string& header_block) {
  std::unique_ptr<RelayConversation> c;
  open_conversation(c);
  const auto start = std::chrono::steady_clock::now();
  const std::string reply = c->exchange(header_block + "\r\nbody\r\n.\r\n", 120);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(reply.starts_with("552 5.3.4 Message header size exceeds limit")) << reply.substr(0, 300);
  c->settle(0.2);
  EXPECT_TRUE(c->backend().messages.empty()) << "no end of data reached the backend";
  EXPECT_EQ(c->backend().raw.find("\r\n.\r\n"), std::string::npos);
  EXPECT_LT(seconds, 30.0) << "parse time stays bounded (" << header_block.size() << " header bytes)";
}

TEST(Res7HugeHeaders, HeaderBlockWithinTheLimitIsDeliveredIntact) {
  std::unique_ptr<RelayConversation> c;
  open_conversation(c);
  std::string headers = "From: <a@client.example>\r\nSubject: big but legal\r\n";
  while (headers.size() < kMaxHeaderSize - 200) headers += "X-Filler: " + std::string(60, 'f') + "\r\n";
  const std::string content = headers + "\r\nbody\r\n";
  EXPECT_EQ(c->exchange(content + ".\r\n"), "250 2.0.0 Ok: queued as 1\r\n");
  ASSERT_EQ(c->backend().messages.size(), 1u);
  EXPECT_EQ(c->backend().messages[0], content);
}

TEST(Res7HugeHeaders, TenMegabyteHeaderBlockIsRefused) {
  std::string block = "From: <a@client.example>\r\n";
  const std::string field = "X-Junk: " + std::string(990, 'j') + "\r\n";
  while (block.size() < 10'000'000) block += field;
  expect_refused(block);
}

TEST(Res7HugeHeaders, HundredThousandHeaderFieldsAreRefused) {
  std::string block;
  for (int i = 0; i < 100'000; ++i) block += "X-H" + std::to_string(i) + ": v\r\n";
  expect_refused(block);
}

TEST(Res7HugeHeaders, OneFiveMegabyteFoldedHeaderIsRefused) {
  std::string block = "Subject: start";
  while (block.size() < 5'000'000) block += "\r\n " + std::string(70, 's');
  expect_refused(block + "\r\n");
}

TEST(Res7HugeHeaders, ToWithHundredThousandAddressesIsRefused) {
  std::string block = "To: ";
  for (int i = 0; i < 100'000; ++i) block += (i ? ",\r\n " : "") + ("u" + std::to_string(i) + "@mx.example");
  expect_refused(block + "\r\n");
}

}  // namespace
}  // namespace sluice::testing
