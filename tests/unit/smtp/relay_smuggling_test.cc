// THREATS.md §2 against the relay: every end-of-data variant, dot-stuffing, split terminators, line-chop
// boundaries. For each: exactly one message, the scanner's content equals what the backend is sent, the smuggled
// lines are content, and the bytes towards the backend hold no stray CR/LF and no early end of data.
#include <gtest/gtest.h>

#include "tests/unit/smtp/relay_harness.h"

namespace sluice::smtp::test {
namespace {

struct Sequence {
  const char* name;
  std::string_view bytes;
};

const Sequence kSequences[] = {
    {"SM-1", std::string_view("\n.\n", 3)},          {"SM-2", std::string_view("\n.\r\n", 4)},
    {"SM-3", std::string_view("\r\n.\n", 4)},        {"SM-4", std::string_view("\r.\r", 3)},
    {"SM-5", std::string_view("\r.\n", 3)},          {"SM-6", std::string_view("\n.\r", 3)},
    {"SM-7", std::string_view("\r.\r\n", 4)},        {"SM-8", std::string_view("\r\n.\r", 4)},
    {"SM-9", std::string_view("\r\n.\r\r\n", 6)},    {"SM-10", std::string_view("\r\r\n.\r\r\n", 7)},
    {"SM-11", std::string_view("\r\n\0.\r\n", 6)},   {"SM-12", std::string_view("\r\n.\0\r\n", 6)},
};

const std::string kSmuggled =
    "MAIL FROM:<ceo@protected.example>\r\nRCPT TO:<u@protected.example>\r\nDATA\r\n"
    "From: ceo@protected.example\r\nSubject: smuggled\r\n\r\nbody2\r\n";

// No CR without LF after it, no LF without CR before it.
bool canonical(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

void expect_one_message(RelayHarness& h, const char* name, std::string_view backend) {
  ASSERT_EQ(h.hooks.ends.size(), 1u) << name;
  const std::string& content = h.hooks.contents[0];
  EXPECT_TRUE(canonical(content)) << name;
  EXPECT_NE(content.find("body2"), std::string::npos) << name;
  EXPECT_NE(content.find("MAIL FROM:<ceo@protected.example>"), std::string::npos) << name;
  if (!backend.empty()) EXPECT_NE(backend.find(content), std::string::npos) << name;   // exactly what was scanned
}

TEST(RelaySmuggling, EveryEndOfDataVariantIsContent) {
  for (const Sequence& seq : kSequences) {
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}}) {
      RelayHarness h;
      h.open_transaction();
      const std::string script = "DATA\r\nFrom: a@ext.example\r\nSubject: one\r\n\r\nbody1" + std::string(seq.bytes) +
                                 kSmuggled + ".\r\n";
      h.client(script, chunk);
      const std::string backend = h.take_server();
      expect_one_message(h, seq.name, backend);
      EXPECT_EQ(backend.rfind("BDAT ", 0), 0u) << seq.name;
      EXPECT_EQ(backend.find("RCPT TO:<u@protected.example>\r\nDATA\r\n", 0) , backend.find(h.hooks.contents[0]) +
                h.hooks.contents[0].find("RCPT TO:")) << seq.name << ": the smuggled lines only inside the chunk";
    }
  }
}

TEST(RelaySmuggling, DataBackendGetsOneEndOfDataOnly) {
  for (const Sequence& seq : kSequences) {
    RelayHarness h;
    h.open_transaction("250 PIPELINING\r\n");
    h.client("DATA\r\nSubject: one\r\n\r\nbody1" + std::string(seq.bytes) + kSmuggled + ".\r\n");
    h.server("354 go\r\n");
    const std::string backend = h.take_server();
    expect_one_message(h, seq.name, "");
    EXPECT_TRUE(canonical(backend)) << seq.name;
    EXPECT_EQ(backend.find("\r\n.\r\n"), backend.size() - 5) << seq.name << ": " << backend;
  }
}

TEST(RelaySmuggling, StrayBytesAreNormalisedByOneRule) {
  RelayHarness h;
  h.open_transaction();
  h.client(std::string("DATA\r\na\nb\rc\r\rd\0e\r\n.\r\n", 21));   // 21: the NUL is content
  EXPECT_EQ(h.hooks.contents[0], std::string("a\r\nb c  d\0e\r\n", 13));
  EXPECT_TRUE(h.hooks.ends[0].flags & flag_bit(SessionFlag::BareLf));
  EXPECT_TRUE(h.hooks.ends[0].flags & flag_bit(SessionFlag::BareCr));
}

TEST(RelaySmuggling, TerminatorSplitAtEveryPosition) {   // SM-14
  const std::string script = std::string("DATA\r\nSubject: s\r\n\r\nx") + "\r\n.\r\n";
  for (size_t cut = 1; cut < script.size(); ++cut) {
    RelayHarness h;
    h.open_transaction();
    h.client(script.substr(0, cut));
    h.client(script.substr(cut));
    ASSERT_EQ(h.hooks.ends.size(), 1u) << cut;
    EXPECT_EQ(h.hooks.contents[0], "Subject: s\r\n\r\nx\r\n") << cut;
  }
  RelayHarness empty;
  empty.open_transaction();
  empty.client("DATA\r\n.\r\n");
  ASSERT_EQ(empty.hooks.ends.size(), 1u);
  EXPECT_EQ(empty.hooks.ends[0].size, 0u);
}

TEST(RelaySmuggling, DotAfterALineChopIsNeverALineStart) {   // SM-15
  for (size_t n : {998, 999, 1000, 2047, 2048, 2049, 16384, 65536}) {
    RelayHarness h;
    h.open_transaction();
    h.client("DATA\r\n" + std::string(n, 'A') + ".\r\n" + kSmuggled + ".\r\n", 1500);
    ASSERT_EQ(h.hooks.ends.size(), 1u) << n;
    EXPECT_NE(h.hooks.contents[0].find("body2"), std::string::npos) << n;
    EXPECT_EQ(h.hooks.ends[0].size, n + 3 + kSmuggled.size()) << n;
  }
}

}  // namespace
}  // namespace sluice::smtp::test
