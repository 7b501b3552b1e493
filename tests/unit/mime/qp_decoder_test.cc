#include <gtest/gtest.h>

#include "scan/mime/qp_decoder.h"
#include "recording_sink.h"

namespace sluice::mime {
namespace {

std::string decode(std::string_view in, bool* invalid = nullptr) {
  std::string whole, bytewise;
  QuotedPrintableDecoder a, b;
  a.feed(in, whole);
  a.finish(whole);
  for (char c : in) b.feed(std::string_view(&c, 1), bytewise);
  b.finish(bytewise);
  EXPECT_EQ(whole, bytewise);
  EXPECT_EQ(a.saw_invalid(), b.saw_invalid());
  if (invalid) *invalid = a.saw_invalid();
  return whole;
}

TEST(QuotedPrintableDecoder, PlainEscapesAndHardBreaks) {
  bool invalid = true;
  EXPECT_EQ(decode("caf=C3=A9 ok\r\nnext", &invalid), "caf\xC3\xA9 ok\r\nnext");
  EXPECT_FALSE(invalid);
  EXPECT_EQ(decode("a\nb"), "a\nb");
}

TEST(QuotedPrintableDecoder, SoftBreaks) {
  EXPECT_EQ(decode("X5O=\r\n!P%@AP"), "X5O!P%@AP");
  EXPECT_EQ(decode("ab=\ncd"), "abcd");
  EXPECT_EQ(decode("ab= \t\r\ncd"), "abcd");  // RFC 2045 §6.7: padding after '='
  EXPECT_EQ(decode("ab=\rcd"), "abcd");
}

TEST(QuotedPrintableDecoder, TrailingWhitespaceBeforeLineEndIsDropped) {
  EXPECT_EQ(decode("ab  \r\ncd \t"), "ab\r\ncd");
  EXPECT_EQ(decode("a b\r\n"), "a b\r\n");
}

TEST(QuotedPrintableDecoder, EicarOneCharacterPerLine) {
  std::string in;
  for (char c : testing::kEicar) {
    char hex[8];
    snprintf(hex, sizeof hex, "=%02X=\r\n", static_cast<unsigned char>(c));
    in += hex;
  }
  EXPECT_EQ(decode(in), testing::kEicar);
}

TEST(QuotedPrintableDecoder, InvalidEscapesAreKeptAndFlagged) {
  bool invalid = false;
  EXPECT_EQ(decode("=XY", &invalid), "=XY");
  EXPECT_TRUE(invalid);
  EXPECT_EQ(decode("==41", &invalid), "=A");
  EXPECT_TRUE(invalid);
  EXPECT_EQ(decode("=0=41", &invalid), "=0A");
  EXPECT_EQ(decode("end=", &invalid), "end=");
  EXPECT_TRUE(invalid);
  EXPECT_EQ(decode("= x", &invalid), "= x");
  EXPECT_TRUE(invalid);
}

TEST(QuotedPrintableDecoder, LowercaseHexDecodesButIsFlagged) {
  bool invalid = false;
  EXPECT_EQ(decode("a=3db", &invalid), "a=b");
  EXPECT_TRUE(invalid);
}

TEST(QuotedPrintableDecoder, HeldWhitespaceIsBounded) {
  const std::string spaces(1000, ' ');
  EXPECT_EQ(decode(spaces + "x"), spaces + "x");
  EXPECT_EQ(decode("x" + spaces + "\r\n"), "x" + spaces.substr(0, 1000 - 1000 % 256) + "\r\n");
}

}  // namespace
}  // namespace sluice::mime
