// Hostile and mutated input: the parser never crashes, stays bounded, and gives
// the same result for every chunking (parse() checks 1-byte and 7-byte feeds).
#include <gtest/gtest.h>

#include "recording_sink.h"

namespace sluice::mime {
namespace {

using testing::crlf;
using testing::kEicarBase64;
using testing::parse;

class Xorshift {
 public:
  uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

 private:
  uint32_t state_ = 2463534242u;
};

TEST(Robustness, MutatedMessagesChunkIndependently) {
  const std::string seeds[] = {
      crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "pre", "--b",
            "Content-Type: text/plain; name*0=a; name*1=b", "Content-Transfer-Encoding: quoted-printable",
            "", "x=41=\r\ny", "--b", "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64", "",
            "U3ViamVjdDogeA0KDQpoaQ0K", "--b", "Content-Transfer-Encoding: base64", "", kEicarBase64,
            "--b--", "epi"}),
      crlf({"Content-Type: multipart/digest; boundary=d", "", "--d", "", "Subject: in", "", "begin 644 a",
            "#0V%T", "end", "--d--"}),
      // Boundary-prefix lines: the alternate reading must be as chunk-independent as the main one.
      crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b",
            "Content-Type: multipart/alternative; boundary=b2", "", "--b2", "", "one", "--b\v",
            "Content-Type: multipart/mixed; boundary=c", "", "--c", "Content-Transfer-Encoding: base64", "",
            kEicarBase64, "--cX", "", "two", "--b2--", "--bX", "Content-Type: text/html", "", "<p>three</p>",
            "--b--X", "--b--"}),
  };
  const std::string_view tokens[] = {"\r", "\n", "\r\n", "--b", "--b--", "=", ":", std::string_view("\0", 1),
                                     " ", "\t", "=?utf-8?b?", "?=", "\"", "(", "*0*=", "%", "--d", "--bX", "\v"};
  Xorshift rng;
  for (int round = 0; round < 300; ++round) {
    std::string msg = seeds[round % std::size(seeds)];
    for (int edit = 0; edit < 8; ++edit) {
      const size_t at = rng.next() % (msg.size() + 1);
      switch (rng.next() % 3) {
        case 0: msg.insert(at, tokens[rng.next() % std::size(tokens)]); break;
        case 1: msg.erase(at, rng.next() % 4); break;
        default: if (at < msg.size()) msg[at] = static_cast<char>(rng.next()); break;
      }
    }
    SCOPED_TRACE(round);
    parse(msg);
  }
}

TEST(Robustness, ThousandsOfParametersStayCheap) {
  std::string ct = "Content-Type: multipart/mixed";
  for (int i = 0; i < 2000; ++i) ct += "; boundary=b" + std::to_string(i) + "; n" + std::to_string(i) + "*1*=x";
  const auto r = parse(ct + "\r\n\r\n--b0\r\n\r\nfirst\r\n--b31\r\n\r\nsecond\r\n--b40\r\n--b0--\r\n");
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_EQ(r.views[0].data, "first");
  EXPECT_EQ(r.views[1].data, "second\r\n--b40");  // beyond max_boundary_candidates
  EXPECT_TRUE(r.has(Anomaly::DuplicateBoundary));
  EXPECT_TRUE(r.has(Anomaly::LongLine));
  EXPECT_FALSE(r.has(Anomaly::HeaderTooLong));

  std::string named = "Content-Type: application/octet-stream";
  for (int i = 0; i < 3000; ++i) named += "; name=f" + std::to_string(i);
  const auto leaf = parse(named + "\r\n\r\nx");
  ASSERT_EQ(leaf.views.size(), 1u);
  EXPECT_EQ(leaf.views[0].part.filenames.size(), MimeLimits{}.max_filename_candidates);
  EXPECT_EQ(leaf.views[0].part.filenames.back(), "f15");
  EXPECT_TRUE(leaf.has(Anomaly::FilenameConflict));
}

TEST(Robustness, TenThousandDeepNestingIsBounded) {
  std::string msg;
  for (int i = 0; i < 10000; ++i) msg += "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n";
  const auto r = parse(msg);
  EXPECT_TRUE(r.has(Anomaly::DepthLimit));
  EXPECT_EQ(r.parts, MimeLimits{}.max_depth + 1);
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].kind, ViewKind::RawAlternate);
}

TEST(Robustness, EncodedRfc822NestingRespectsDepth) {
  std::string msg = "Subject: bottom\r\n\r\nbody\r\n";
  for (int i = 0; i < 30; ++i)
    msg = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
          testing::base64_encode(msg) + "\r\n";
  const auto r = parse(msg);
  EXPECT_TRUE(r.has(Anomaly::EncodedRfc822));
  EXPECT_TRUE(r.has(Anomaly::DepthLimit));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_LE(r.views[0].part.depth, MimeLimits{}.max_depth);
}

TEST(Robustness, HundredThousandBoundaryPrefixLinesAreBoundedByMaxParts) {
  // Each "--bX" begins a prefix reading whose part takes a part index: max_parts bounds them like any parts.
  std::string msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n";
  for (int i = 0; i < 100000; ++i) msg += "--bX\r\nx\r\n";
  msg += "--b--\r\n";
  const auto r = parse(msg);
  EXPECT_TRUE(r.has(Anomaly::BoundaryPrefixLine));
  EXPECT_TRUE(r.has(Anomaly::PartLimit));
  EXPECT_LE(r.views.size(), MimeLimits{}.max_parts + 1);
  EXPECT_EQ(r.views[0].data.size(), 100000u * 9 - 2) << "Sluice's own reading keeps every line";
}

TEST(Robustness, PrefixReadingsInsidePrefixReadingsAreBoundedByMaxDepth) {
  // Main reading: multipart b, then data. The prefix reading of "--bX" is a multipart c whose "--cX" begins a
  // prefix reading of its own, which is a multipart d, and so on: every level is one child parser deeper.
  std::string msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ntext\r\n--bX\r\n";
  for (int i = 0; i < 100; ++i) {
    const std::string name = "m" + std::to_string(i);
    msg += "Content-Type: multipart/mixed; boundary=" + name + "\r\n\r\n--" + name + "\r\n\r\nx\r\n--" + name +
           "X\r\n";
  }
  msg += "--b--\r\n";
  const auto r = parse(msg);
  EXPECT_TRUE(r.has(Anomaly::BoundaryPrefixLine));
  EXPECT_TRUE(r.has(Anomaly::DepthLimit));
  for (const auto& v : r.views) EXPECT_LE(v.part.depth, MimeLimits{}.max_depth + 1);
}

TEST(Robustness, HugeSingleLineIsStreamedNotBuffered) {
  testing::RecordingSink sink;
  MimeParser parser(MimeLimits{}, sink);
  parser.feed("Content-Transfer-Encoding: base64\r\n\r\n");
  const std::string block(3 * 1024, 'A');  // decodes to zero bytes, no line end for 3 MB
  for (int i = 0; i < 1024; ++i) parser.feed(block);
  parser.finish();
  ASSERT_EQ(sink.views.size(), 1u);
  EXPECT_EQ(sink.views[0].data, std::string(3 * 1024 * 1024 / 4 * 3, '\0'));
  EXPECT_TRUE(parser.anomalies() & static_cast<uint32_t>(Anomaly::LongLine));
}

}  // namespace
}  // namespace sluice::mime
