// YencDecoder on its own: block detection, the (c - 42) mapping, `=` escapes,
// line ends, truncated blocks, garbage, multipart continuation and long lines
// arriving in pieces. The parser-level MIME-11 rows are in threats_encoding_test.cc.
#include <gtest/gtest.h>

#include <string>

#include "scan/mime/yenc_decoder.h"

namespace sluice::mime {
namespace {

using Event = YencDecoder::Event;

// Offers `line` as one whole line.
Event whole(YencDecoder& d, std::string_view line, std::string& out) { return d.piece(line, true, out); }

// Encodes `bytes` the way yEnc writers do: byte + 42, with NUL, LF, CR and `=` escaped.
std::string encode(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    const auto e = static_cast<uint8_t>(static_cast<uint8_t>(c) + 42);
    if (e == 0 || e == '\n' || e == '\r' || e == '=') {
      out += '=';
      out += static_cast<char>(static_cast<uint8_t>(e + 64));
    } else {
      out += static_cast<char>(e);
    }
  }
  return out;
}

TEST(YencDecoder, DecodesBlockWithFilename) {
  YencDecoder d;
  std::string out;
  EXPECT_EQ(whole(d, "some text", out), Event::None);
  EXPECT_EQ(whole(d, "=ybegin line=128 size=3 name=cat.txt", out), Event::Begin);
  EXPECT_EQ(d.filename(), "cat.txt");
  EXPECT_TRUE(d.in_block());
  EXPECT_EQ(whole(d, "m\x8b\x9e", out), Event::Data);  // 'C'+42, 'a'+42, 't'+42
  EXPECT_EQ(whole(d, "=yend size=3", out), Event::End);
  EXPECT_FALSE(d.in_block());
  EXPECT_FALSE(d.awaiting_next_part());
  EXPECT_EQ(out, "Cat");
  EXPECT_EQ(whole(d, "after the block", out), Event::None);
  EXPECT_EQ(out, "Cat");
}

TEST(YencDecoder, EveryByteValueSurvivesTheRoundTrip) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string encoded = encode(all);
  ASSERT_NE(encoded.find('='), std::string::npos);  // the critical bytes were escaped
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin line=128 size=256 name=all.bin", out);
  EXPECT_EQ(whole(d, encoded, out), Event::Data);
  EXPECT_EQ(out, all);
}

TEST(YencDecoder, EscapesGiveBackTheBytesWritersEscape) {
  // Writers escape the encoded values NUL, LF, CR and '=' as '=' + value + 64: "=@", "=J", "=M", "=}".
  EXPECT_EQ(encode(std::string("\xD6\xE0\xE3\x13", 4)), "=@=J=M=}");
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin name=x", out);
  whole(d, "=@=J=M=}*", out);
  EXPECT_EQ(out, std::string("\xD6\xE0\xE3\x13\x00", 5));  // '*' is 42: plain byte 0
}

TEST(YencDecoder, EscapeAtTheEndOfALineAppliesToTheNextLinesFirstByte) {
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin name=x", out);
  whole(d, "k=", out);  // 'k' - 42 = 'A', then an escape the line end does not cancel
  whole(d, "}", out);   // '}' - 106 = 0x13
  EXPECT_EQ(out, std::string("A\x13", 2));
}

TEST(YencDecoder, LineEndsInsideAPieceAreNeverData) {
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin name=x", out);
  whole(d, "k\r\nl\rm\n", out);
  EXPECT_EQ(out, "ABC");
}

TEST(YencDecoder, TruncatedBlockKeepsWhatItDecoded) {
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin line=128 size=1000 name=cut.bin", out);
  EXPECT_EQ(whole(d, "klm", out), Event::Data);
  EXPECT_EQ(out, "ABC");  // no =yend ever comes: the bytes are out already, the caller closes the view
  EXPECT_TRUE(d.in_block());
  d.reset();
  EXPECT_FALSE(d.in_block());
  EXPECT_EQ(whole(d, "klm", out), Event::None);  // after reset, data lines outside a block are text
  EXPECT_EQ(out, "ABC");
}

TEST(YencDecoder, ANewBeginInsideABlockStartsAnotherBlock) {
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin name=first", out);
  whole(d, "k", out);
  EXPECT_EQ(whole(d, "=ybegin name=second", out), Event::Begin);
  EXPECT_EQ(d.filename(), "second");
  EXPECT_FALSE(d.continues_previous());
}

TEST(YencDecoder, GarbageIsDecodedNotDroppedAndNeverReadsPastItsInput) {
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin name=x", out);
  const std::string garbage("\x00\xff =y=\t~", 8);
  EXPECT_EQ(whole(d, garbage, out), Event::Data);
  // 8 input bytes: 2 escapes ("=y", "=\t") take 4, 4 plain bytes; one byte out per unit.
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0], static_cast<char>(0 - 42));
  EXPECT_EQ(out.back(), static_cast<char>('~' - 42));
  std::string lone;
  YencDecoder e;
  whole(e, "=ybegin name=x", lone);
  EXPECT_EQ(whole(e, "=", lone), Event::None);  // a lone escape at the end of input: nothing, no read past
  EXPECT_TRUE(lone.empty());
}

TEST(YencDecoder, MalformedOrLookalikeBeginLinesAreText) {
  YencDecoder d;
  std::string out;
  for (const char* line : {"=ybeginning name=x", " =ybegin name=x", "=YBEGIN name=x", "ybegin name=x", "=yend"}) {
    EXPECT_EQ(whole(d, line, out), Event::None) << line;
    EXPECT_FALSE(d.in_block()) << line;
  }
  EXPECT_TRUE(out.empty());
  // Readers differ in what they insist on; every one decodes a block whose header lacks line= or size=.
  EXPECT_EQ(whole(d, "=ybegin", out), Event::Begin);
  EXPECT_EQ(d.filename(), "");
  EXPECT_EQ(whole(d, "=ybegin\tsize=3 name=spaced name.exe  ", out), Event::Begin);
  EXPECT_EQ(d.filename(), "spaced name.exe");
}

TEST(YencDecoder, PartLinesAreSkippedAndTheNextPartContinuesTheFile) {
  YencDecoder d;
  std::string out;
  EXPECT_EQ(whole(d, "=ybegin part=1 total=2 line=128 size=6 name=f.bin", out), Event::Begin);
  EXPECT_FALSE(d.continues_previous());
  EXPECT_EQ(whole(d, "=ypart begin=1 end=3", out), Event::None);
  whole(d, "klm", out);
  EXPECT_EQ(whole(d, "=yend size=3 part=1 pcrc32=00000000", out), Event::End);
  EXPECT_TRUE(d.awaiting_next_part());
  EXPECT_EQ(whole(d, "some text between the parts", out), Event::None);
  EXPECT_EQ(whole(d, "=ybegin part=2 total=2 line=128 size=6 name=f.bin", out), Event::Begin);
  EXPECT_TRUE(d.continues_previous());
  whole(d, "=ypart begin=4 end=6", out);
  whole(d, "nop", out);
  EXPECT_EQ(whole(d, "=yend size=3 part=2", out), Event::End);
  EXPECT_FALSE(d.awaiting_next_part());  // the last part
  EXPECT_EQ(out, "ABCDEF");
}

TEST(YencDecoder, OnlyTheNextPartOfTheSameNameContinues) {
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin part=1 total=3 name=f.bin", out);
  whole(d, "=yend part=1", out);
  whole(d, "=ybegin part=3 total=3 name=f.bin", out);  // part 2 skipped
  EXPECT_FALSE(d.continues_previous());
  whole(d, "=yend part=3", out);
  whole(d, "=ybegin part=1 total=2 name=f.bin", out);
  whole(d, "=yend part=1", out);
  whole(d, "=ybegin part=2 total=2 name=other.bin", out);  // another name
  EXPECT_FALSE(d.continues_previous());
  whole(d, "=ybegin part=4294967295 total=0 name=g", out);
  whole(d, "=yend", out);
  whole(d, "=ybegin part=99999999999999999999 name=g", out);  // saturates, never wraps to part 0 + 1
  EXPECT_FALSE(d.continues_previous());
}

TEST(YencDecoder, ALongLineInPiecesIsDecodedWholeAndOnlyItsFirstPieceCanBeAKeyword) {
  const std::string payload(5000, 'Z');
  const std::string encoded = encode(payload);
  YencDecoder d;
  std::string out;
  whole(d, "=ybegin line=6000 name=long.bin", out);
  for (size_t i = 0; i < encoded.size(); i += 2048) d.piece(encoded.substr(i, 2048), i == 0, out);
  // A continuation piece that happens to read "=yend" is data ('=' escapes 'y').
  EXPECT_EQ(d.piece("=yend", false, out), Event::Data);
  EXPECT_TRUE(d.in_block());
  EXPECT_EQ(out.substr(0, payload.size()), payload);
  EXPECT_EQ(out.size(), payload.size() + 4);
  // The rest of a long keyword line is not data either.
  EXPECT_EQ(whole(d, "=ypart begin=1 end=5000", out), Event::None);
  EXPECT_EQ(d.piece("klm", false, out), Event::None);
}

}  // namespace
}  // namespace sluice::mime
