#include <gtest/gtest.h>

#include "scan/mime/base64_decoder.h"
#include "recording_sink.h"

namespace sluice::mime {
namespace {

std::string decode(std::string_view in, bool* garbage = nullptr, size_t chunk = 0) {
  Base64Decoder d;
  std::string out;
  if (chunk == 0) chunk = in.size() + 1;
  for (size_t i = 0; i < in.size(); i += chunk) d.feed(in.substr(i, chunk), out);
  d.finish(out);
  if (garbage) *garbage = d.saw_garbage();
  return out;
}

TEST(Base64Decoder, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(decode("SGVsbG8="), "Hello");
  EXPECT_EQ(decode("SGVsbG8"), "Hello");  // missing padding flushed at finish
  EXPECT_EQ(decode("SGk="), "Hi");
  EXPECT_EQ(decode("SGk"), "Hi");
  EXPECT_EQ(decode(""), "");
}

TEST(Base64Decoder, WhitespaceIsSilentGarbageIsFlagged) {
  bool garbage = true;
  EXPECT_EQ(decode("SGVs\r\nbG8=\r\n", &garbage), "Hello");
  EXPECT_FALSE(garbage);
  EXPECT_EQ(decode("S#G.V:s-b_G8=", &garbage), "Hello");
  EXPECT_TRUE(garbage);
}

TEST(Base64Decoder, EicarWithJunkAfterEveryCharacter) {
  for (char junk : std::string(" \t\r#.:-_")) {
    std::string spread;
    for (char c : testing::kEicarBase64) {
      spread.push_back(c);
      spread.push_back(junk);
    }
    EXPECT_EQ(decode(spread), testing::kEicar) << "junk " << int(junk);
    EXPECT_EQ(decode(spread, nullptr, 1), testing::kEicar);
  }
}

TEST(Base64Decoder, ContinuesAfterPadding) {
  // Suricata 6207: stream-level padding.
  EXPECT_EQ(decode("NA=\n=Mg\n=="), "42");
  // Two concatenated streams both decode.
  EXPECT_EQ(decode("SGk=\r\nSGVsbG8="), "HiHello");
  // '=' in the middle of a quad: "QU" -> 'A', then "JD" -> one byte.
  EXPECT_EQ(decode("QU=JD"), std::string("A") + char(0x24));
}

TEST(Base64Decoder, LoneSextetIsGarbage) {
  bool garbage = false;
  EXPECT_EQ(decode("SGk=Q", &garbage), "Hi");
  EXPECT_TRUE(garbage);
}

TEST(Base64Decoder, OneByteChunksEqualOneShotAndResetClears) {
  const std::string in = "V\r\nGhp cyBp\r\ncyBh IHRlc3Q=";
  EXPECT_EQ(decode(in, nullptr, 1), decode(in));
  EXPECT_EQ(decode(in), "This is a test");
  Base64Decoder d;
  std::string out;
  d.feed("SGV#", out);
  d.reset();
  EXPECT_FALSE(d.saw_garbage());
  d.feed("SGk=", out);
  EXPECT_EQ(out, "Hi");
}

}  // namespace
}  // namespace sluice::mime
