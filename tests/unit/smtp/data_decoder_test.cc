// tests/unit/smtp/data_decoder_test.cc — dot-unstuffing, the one terminator,
// where decoding stops, LongLine and the per-feed output bound.
#include <gtest/gtest.h>

#include <string>

#include "scan/smtp/data_decoder.h"
#include "scan/smtp/smtp_limits.h"

namespace sluice::smtp {
namespace {

struct Decoded {
  std::string content;
  size_t consumed = 0;
  bool ended = false;
  uint32_t flags = 0;
};

// Feeds `input` in `chunk`-byte pieces until the terminator.
Decoded decode(std::string_view input, size_t chunk, uint32_t max_line = 2048) {
  DataDecoder decoder(max_line);
  Decoded out;
  while (out.consumed < input.size() && !out.ended) {
    const std::string_view piece = input.substr(out.consumed, chunk);
    const auto r = decoder.feed(piece, out.content);
    out.consumed += r.consumed;
    out.ended = r.ended;
  }
  out.flags = decoder.flags();
  EXPECT_EQ(decoder.content_bytes(), out.content.size());
  return out;
}

Decoded decode_both(std::string_view input, uint32_t max_line = 2048) {
  const Decoded whole = decode(input, input.size(), max_line);
  const Decoded bytewise = decode(input, 1, max_line);
  EXPECT_EQ(whole.content, bytewise.content);
  EXPECT_EQ(whole.consumed, bytewise.consumed);
  EXPECT_EQ(whole.ended, bytewise.ended);
  EXPECT_EQ(whole.flags, bytewise.flags);
  return whole;
}

TEST(DataDecoder, UnstuffsOnlyAtLineStart) {  // SM-13
  const Decoded d = decode_both("..\r\n..MAIL FROM:<x@y>\r\n.hidden\r\na.b\r\n.\r\n");
  EXPECT_EQ(d.content, ".\r\n.MAIL FROM:<x@y>\r\nhidden\r\na.b\r\n");
  EXPECT_TRUE(d.ended);
  EXPECT_EQ(d.flags, 0u);
}

TEST(DataDecoder, EmptyBody) {
  const Decoded d = decode_both(".\r\n");
  EXPECT_EQ(d.content, "");
  EXPECT_TRUE(d.ended);
  EXPECT_EQ(d.consumed, 3u);
}

TEST(DataDecoder, StopsRightAfterTheTerminator) {
  const Decoded d = decode_both("a\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(d.content, "a\r\n");
  EXPECT_TRUE(d.ended);
  EXPECT_EQ(d.consumed, 6u);
}

TEST(DataDecoder, DotCrWithoutLfIsContent) {
  const Decoded d = decode_both("a\r\n.\rb\r\n.\r\n");
  EXPECT_EQ(d.content, "a\r\n\rb\r\n");
  EXPECT_EQ(d.flags, flag_bit(SessionFlag::SmugglingSequence) | flag_bit(SessionFlag::BareCr));
}

TEST(DataDecoder, LongLineIsFlaggedNotCut) {
  const std::string line(2049, 'A');
  Decoded d = decode_both(line + "\r\n.\r\n");
  EXPECT_EQ(d.content, line + "\r\n");
  EXPECT_EQ(d.flags, flag_bit(SessionFlag::LongLine));
  d = decode_both(std::string(2048, 'A') + "\r\n.\r\n");
  EXPECT_EQ(d.flags, 0u);
}

TEST(DataDecoder, OutputPerFeedIsBounded) {
  DataDecoder decoder(2048);
  const std::string input(3 * DataDecoder::kMaxContentPerFeed, 'A');
  std::string content;
  const auto r = decoder.feed(input, content);
  EXPECT_EQ(r.consumed, DataDecoder::kMaxContentPerFeed);
  EXPECT_EQ(content.size(), DataDecoder::kMaxContentPerFeed);
  EXPECT_FALSE(r.ended);
}

TEST(DataDecoder, GapForgetsTheLineStart) {
  DataDecoder decoder(2048);
  std::string content;
  decoder.feed("a\r\n", content);
  decoder.note_gap();
  const auto r = decoder.feed(".\r\nb\r\n.\r\n", content);
  EXPECT_TRUE(r.ended);
  EXPECT_EQ(content, "a\r\n.\r\nb\r\n");
}

// A second, independent reading of the rule: search the first CRLF.CRLF in
// "\r\n" + input, then remove dots that follow a CRLF.
Decoded oracle(const std::string& input) {
  const std::string framed = "\r\n" + input;
  const size_t terminator = framed.find("\r\n.\r\n");
  const std::string raw = framed.substr(2, terminator);
  Decoded out;
  out.ended = true;
  out.consumed = terminator + 3;
  for (size_t i = 0; i < raw.size(); ++i) {
    const bool line_start = i == 0 || (i >= 2 && raw[i - 2] == '\r' && raw[i - 1] == '\n');
    if (!(line_start && raw[i] == '.')) out.content.push_back(raw[i]);
  }
  const std::string used = framed.substr(0, terminator + 5);
  for (size_t i = 2; i < used.size(); ++i) {
    if (used[i] == '\n' && used[i - 1] != '\r') out.flags |= flag_bit(SessionFlag::BareLf);
    if (used[i - 1] == '\r' && used[i] != '\n') out.flags |= flag_bit(SessionFlag::BareCr);
    if (used[i] == '\0') out.flags |= flag_bit(SessionFlag::NulInData);
  }
  return out;
}

TEST(DataDecoder, AgreesWithAnIndependentReadingOnRandomBodies) {
  const char alphabet[] = {'a', '.', '\r', '\n', '\0'};
  const uint32_t checked = flag_bit(SessionFlag::BareLf) | flag_bit(SessionFlag::BareCr) |
                           flag_bit(SessionFlag::NulInData);
  uint32_t state = 7;
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    state = state * 1103515245u + 12345u;
    const size_t length = (state >> 16) % 24;
    for (size_t i = 0; i < length; ++i) {
      state = state * 1103515245u + 12345u;
      input.push_back(alphabet[(state >> 16) % sizeof(alphabet)]);
    }
    input += "\r\n.\r\n";
    const Decoded expected = oracle(input);
    const Decoded actual = decode_both(input);
    ASSERT_EQ(actual.content, expected.content) << round;
    ASSERT_EQ(actual.consumed, expected.consumed) << round;
    ASSERT_TRUE(actual.ended) << round;
    ASSERT_EQ(actual.flags & checked, expected.flags) << round;
  }
}

}  // namespace
}  // namespace sluice::smtp
