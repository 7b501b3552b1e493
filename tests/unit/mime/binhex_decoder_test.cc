// BinhexDecoder on its own (block detection, the 6-bit alphabet, 0x90 runs, header,
// both forks, CRC-16/XMODEM, truncation, pieces of lines), then the three ways a
// BinHex block reaches the parser (MIME-11): inside text/plain, a part typed
// application/mac-binhex40 (any CTE), and CTE binhex. Blocks are made by the
// test's own BinHex 4.0 encoder (binhex_writer.h), written from the format definition.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "scan/mime/binhex_decoder.h"
#include "tests/unit/mime/binhex_writer.h"
#include "tests/unit/mime/recording_sink.h"

namespace sluice::mime {
namespace {

using testing::base64_encode;
using testing::binary;
using testing::block_lines;
using testing::block_text;
using testing::Crcs;
using testing::crc_of;
using testing::run_length_encode;
using testing::six_bit;
using testing::bits;
using testing::crlf;
using testing::kEicar;
using testing::parse;

// ---- the decoder on its own ---------------------------------------------------------------------------------

struct Decoded {
  std::string data, resource;
  int began = 0, headers = 0, ended = 0;
};

// Offers every line whole, or in pieces of `piece` bytes.
Decoded decode_lines(BinhexDecoder& d, const std::vector<std::string>& lines, size_t piece = 0) {
  Decoded r;
  BinhexDecoder::Output out;
  auto offer = [&](std::string_view text, bool starts_line) {
    const BinhexDecoder::Progress p = d.piece(text, starts_line, out);
    r.began += p.began;
    r.headers += p.header;
    r.ended += p.ended;
  };
  for (const std::string& line : lines) {
    if (piece == 0 || line.empty()) {
      offer(line, true);
      continue;
    }
    for (size_t i = 0; i < line.size(); i += piece) offer(std::string_view(line).substr(i, piece), i == 0);
  }
  r.data = out.data;
  r.resource = out.resource;
  return r;
}

std::string random_bytes(std::mt19937& rng, size_t size) {
  std::string s;
  std::uniform_int_distribution<int> byte(0, 255), run(1, 300), kind(0, 3);
  while (s.size() < size) {
    const char b = kind(rng) == 0 ? '\x90' : static_cast<char>(byte(rng));
    s.append(kind(rng) == 0 ? static_cast<size_t>(run(rng)) : 1, b);  // runs, 0x90 among them
  }
  s.resize(size);
  return s;
}

TEST(BinhexDecoder, CrcIsXmodem) {
  uint16_t crc = 0;
  for (char c : std::string_view("123456789")) crc = crc16_xmodem(crc, static_cast<uint8_t>(c));
  EXPECT_EQ(crc, 0x31C3);  // the CRC-16/XMODEM check value
  EXPECT_EQ(crc, crc_of("123456789"));
}

TEST(BinhexDecoder, DecodesHeaderAndBothForks) {
  BinhexDecoder d;
  const Decoded r = decode_lines(d, block_lines(run_length_encode(binary("cat.txt", "Cat data", "RSRC"))));
  EXPECT_EQ(r.began, 1);
  EXPECT_EQ(r.headers, 1);
  EXPECT_EQ(r.ended, 1);
  EXPECT_EQ(d.name(), "cat.txt");
  EXPECT_EQ(d.data_length(), 8u);
  EXPECT_EQ(d.resource_length(), 4u);
  EXPECT_EQ(r.data, "Cat data");
  EXPECT_EQ(r.resource, "RSRC");
  EXPECT_TRUE(d.verified());
  EXPECT_FALSE(d.in_block());
}

TEST(BinhexDecoder, RandomDataWithRunsRoundTrips) {
  std::mt19937 rng(1741);
  for (size_t size : {0u, 1u, 2u, 3u, 63u, 64u, 65u, 1000u, 20000u}) {
    const std::string data = random_bytes(rng, size), resource = random_bytes(rng, size / 3);
    for (size_t min_run : {2u, 3u, 255u}) {
      BinhexDecoder d;
      const Decoded r = decode_lines(d, block_lines(run_length_encode(binary("r.bin", data, resource), min_run)));
      EXPECT_EQ(r.data, data) << size << " " << min_run;
      EXPECT_EQ(r.resource, resource) << size << " " << min_run;
      EXPECT_TRUE(d.verified()) << size << " " << min_run;
    }
  }
}

// Shifting the stream one byte at a time puts every part of a run (its byte, the 0x90, the count) on both sides
// of a line end somewhere; each shift must decode exactly, whole lines and 1-byte pieces alike.
TEST(BinhexDecoder, RunsStraddleLineEndsAndPieces) {
  const std::string runs = std::string(700, 'A') + std::string(300, '\x90') + std::string(5, '\0') + "BBB" +
                           std::string(256, 'C');
  for (size_t shift = 0; shift < 48; ++shift) {
    const std::string data = std::string(shift, 'x') + "y" + runs;
    const std::vector<std::string> lines = block_lines(run_length_encode(binary("s", data, "")));
    for (size_t piece : {0u, 1u, 5u}) {
      BinhexDecoder d;
      const Decoded r = decode_lines(d, lines, piece);
      EXPECT_EQ(r.data, data) << "shift " << shift << " piece " << piece;
      EXPECT_TRUE(d.verified()) << "shift " << shift << " piece " << piece;
    }
  }
}

TEST(BinhexDecoder, OneBytePiecesGiveWhatWholeLinesGive) {
  std::mt19937 rng(4);
  const std::string data = random_bytes(rng, 5000);
  const std::vector<std::string> lines = block_lines(run_length_encode(binary("pieces.bin", data, "res")));
  BinhexDecoder whole, pieces;
  const Decoded a = decode_lines(whole, lines), b = decode_lines(pieces, lines, 1);
  EXPECT_EQ(a.data, data);
  EXPECT_EQ(b.data, data);
  EXPECT_EQ(b.resource, "res");
  EXPECT_EQ(b.began, 1);
  EXPECT_EQ(b.headers, 1);
  EXPECT_EQ(b.ended, 1);
  EXPECT_EQ(pieces.name(), "pieces.bin");
  EXPECT_TRUE(pieces.verified());
}

TEST(BinhexDecoder, RunMarkerFollowedByZeroIsALiteral0x90) {
  const std::string data = std::string("a\x90z", 3) + std::string(2, '\x90') + "\x90\x90\x90\x90" + "end";
  const std::string encoded = run_length_encode(binary("m", data, ""));
  ASSERT_NE(encoded.find(std::string("\x90\x00", 2)), std::string::npos);
  ASSERT_NE(encoded.find(std::string("\x90\x00\x90\x06", 4)), std::string::npos);  // a run of six 0x90 itself
  BinhexDecoder d;
  const Decoded r = decode_lines(d, block_lines(encoded));
  EXPECT_EQ(r.data, data);
  EXPECT_TRUE(d.verified());
}

TEST(BinhexDecoder, BadCrcIsReportedAndTheBytesStillComeOut) {
  for (Crcs bad : {Crcs{1, 0, 0}, Crcs{0, 1, 0}, Crcs{0, 0, 0x100}}) {
    BinhexDecoder d;
    const Decoded r = decode_lines(d, block_lines(run_length_encode(binary("bad.exe", kEicar, "rsrc", bad))));
    EXPECT_EQ(r.data, kEicar);
    EXPECT_EQ(r.resource, "rsrc");
    EXPECT_EQ(r.ended, 1);
    EXPECT_FALSE(d.verified());
    EXPECT_EQ(d.crc_mismatches(), 1u);
  }
}

TEST(BinhexDecoder, TruncatedBlockGivesWhatItHolds) {
  const std::string data(3000, 'q');
  std::vector<std::string> lines = block_lines(run_length_encode(binary("cut.bin", data, ""), 1000));  // no runs
  lines.resize(lines.size() / 2);  // no closing `:`
  BinhexDecoder d;
  const Decoded r = decode_lines(d, lines);
  EXPECT_EQ(r.ended, 0);
  EXPECT_TRUE(d.in_block());
  EXPECT_FALSE(d.verified());
  ASSERT_GT(r.data.size(), 1000u);
  EXPECT_EQ(r.data, data.substr(0, r.data.size()));
}

TEST(BinhexDecoder, ForkLongerThanTheBlockIsTheRestOfTheBlock) {
  const std::string encoded = run_length_encode(binary("big.bin", "only this", "", {}, 1'000'000'000));
  BinhexDecoder d;
  const Decoded r = decode_lines(d, block_lines(encoded));
  EXPECT_EQ(d.data_length(), 1'000'000'000u);
  EXPECT_EQ(r.ended, 1);
  // The data CRC and the resource fork's header bytes read as more data: what the block holds, nothing invented.
  EXPECT_TRUE(r.data.starts_with("only this"));
  EXPECT_LE(r.data.size(), std::string_view("only this").size() + 6);
  EXPECT_FALSE(d.verified());
}

TEST(BinhexDecoder, NeedsTheMarkerLineUnlessTheTextIsDeclaredBinhex) {
  const std::vector<std::string> bare = block_lines(run_length_encode(binary("n", "payload", "")), false);
  BinhexDecoder plain;
  EXPECT_EQ(decode_lines(plain, bare).began, 0);  // a `:` line in ordinary text is not BinHex
  BinhexDecoder declared;
  declared.expect_block();
  const Decoded r = decode_lines(declared, bare);
  EXPECT_EQ(r.began, 1);
  EXPECT_EQ(r.data, "payload");
  EXPECT_TRUE(declared.verified());
}

TEST(BinhexDecoder, MarkerIsMatchedLikeReadersDo) {
  std::vector<std::string> lines = block_lines(run_length_encode(binary("m", "x", "")));
  lines[0] = "  (this FILE must be converted with BinHex 5.0 please)";  // case, leading blanks, any version
  lines.insert(lines.begin() + 1, "some words between");
  BinhexDecoder d;
  EXPECT_EQ(decode_lines(d, lines).data, "x");
  lines[0] = "(This file must be converted with Bin";  // not the marker
  BinhexDecoder cut;
  EXPECT_EQ(decode_lines(cut, lines).began, 0);
}

// Known answer from an encoder that is not ours: Python 3.10's binhex module (removed in 3.11), which ends lines
// with bare CR, on hello.txt = "Hello BinHex", five 0x90, " world", forty NULs, 0x90 0x00 "end".
constexpr std::string_view kPythonHqx =
    "(This file must be converted with BinHex 4.0)\r\r:#@KPE'a[,R4iG!!rN!J!N!9%!*!%8B&)C@aXEb\"#D@j)CAL3!*!!N!#3!*!!)(G"
    "\r[FQaN!*!SN!!!C@jN@c3!!!:\r";
const std::string kPythonData = std::string("Hello BinHex") + std::string(5, '\x90') + " world" +
                                std::string(40, '\0') + std::string("\x90\x00" "end", 5);

std::vector<std::string> split_at_cr(std::string_view text) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    const size_t cr = std::min(text.find('\r', start), text.size());
    lines.emplace_back(text.substr(start, cr - start));
    start = cr + 1;
  }
  return lines;
}

TEST(BinhexDecoder, DecodesWhatAnotherEncoderWrote) {
  BinhexDecoder d;
  const Decoded r = decode_lines(d, split_at_cr(kPythonHqx));
  EXPECT_EQ(d.name(), "hello.txt");
  EXPECT_EQ(r.data, kPythonData);
  EXPECT_TRUE(d.verified());  // header, data and (empty) resource CRCs as Python computed them
}

// The relay turns bare CRs into spaces: the `:` then follows the marker on its own line.
TEST(BinhexDecoder, ColonOnTheMarkerLineOpensTheBlock) {
  std::string relayed(kPythonHqx);
  for (char& c : relayed)
    if (c == '\r') c = ' ';
  BinhexDecoder d;
  const Decoded r = decode_lines(d, {relayed});
  EXPECT_EQ(r.data, kPythonData);
  EXPECT_TRUE(d.verified());
  BinhexDecoder pieces;
  EXPECT_EQ(decode_lines(pieces, {relayed}, 1).data, kPythonData);
}

TEST(BinhexDecoder, ResetForgetsEverything) {
  std::vector<std::string> lines = block_lines(run_length_encode(binary("r", std::string(500, 'r'), ""), 1000), false);
  lines.resize(3);
  BinhexDecoder d;
  d.expect_block();
  decode_lines(d, lines);
  ASSERT_TRUE(d.in_block());
  d.reset();
  EXPECT_FALSE(d.in_block());
  EXPECT_TRUE(d.name().empty());
  EXPECT_EQ(decode_lines(d, block_lines(run_length_encode(binary("r", "x", "")), false)).began, 0);
}

// ---- through the parser ---------------------------------------------------------------------------------------

const testing::RecordedView* binhex_view(const testing::ParseResult& r, size_t nth = 0) {
  for (const auto& v : r.views)
    if (v.kind == ViewKind::Binhex && nth-- == 0) return &v;
  return nullptr;
}

constexpr std::string_view kHeaders = "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n";

TEST(BinhexParser, BlockInsideTextWithoutMime) {
  const std::string message =
      std::string(kHeaders) + "\r\nsee attached\r\n" + block_text("invoice.exe", kEicar, "res") + "bye\r\n";
  const testing::ParseResult r = parse(message);
  ASSERT_EQ(r.views.size(), 3u);
  EXPECT_EQ(r.views[0].kind, ViewKind::Decoded);
  const auto* data = binhex_view(r);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->data, kEicar);
  EXPECT_EQ(data->part.filenames, std::vector<std::string>{"invoice.exe"});
  EXPECT_TRUE(data->part.attachment);
  EXPECT_EQ(data->part.transfer_encoding, "x-binhex");
  EXPECT_EQ(data->part.content_type, "application/octet-stream");
  const auto* resource = binhex_view(r, 1);
  ASSERT_NE(resource, nullptr);
  EXPECT_EQ(resource->data, "res");
  EXPECT_EQ(resource->part.filenames, std::vector<std::string>{"invoice.exe"});
  EXPECT_EQ(r.anomalies, bits({Anomaly::Binhex}));
  EXPECT_NE(r.views[0].data.find("bye"), std::string::npos);
}

TEST(BinhexParser, MacBinhex40PartWhateverItsTransferEncoding) {
  const std::string block = block_text("report.exe", kEicar);
  const std::string bare_block = [&] {
    std::string t;
    for (const auto& l : block_lines(run_length_encode(binary("report.exe", kEicar, "")), false)) t += l + "\r\n";
    return t;
  }();
  for (std::string_view type : {"application/mac-binhex40", "application/mac-binhex", "application/x-binhex40"}) {
    for (const std::string& part :
         {"Content-Type: " + std::string(type) + "\r\n\r\n" + block,
          "Content-Type: " + std::string(type) + "\r\n\r\n" + bare_block,  // no marker line: the type says it
          "Content-Type: " + std::string(type) + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
              base64_encode(block) + "\r\n",
          "Content-Type: " + std::string(type) + "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
              bare_block}) {
      const std::string message = std::string(kHeaders) +
                                  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                  "Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n" + part + "--b--\r\n";
      const testing::ParseResult r = parse(message);
      const auto* v = binhex_view(r);
      ASSERT_NE(v, nullptr) << part;
      EXPECT_EQ(v->data, kEicar) << part;
      EXPECT_EQ(v->part.filenames, std::vector<std::string>{"report.exe"});
      EXPECT_TRUE(r.has(Anomaly::Binhex));
      EXPECT_FALSE(r.has(Anomaly::BinhexCrc));
      EXPECT_EQ(binhex_view(r, 1), nullptr);  // no resource fork, no second view
    }
  }
}

TEST(BinhexParser, TransferEncodingBinhex) {
  for (std::string_view cte : {"binhex", "X-BinHex", "mac-binhex40"}) {
    const std::string message = std::string(kHeaders) + "MIME-Version: 1.0\r\nContent-Type: application/octet-stream; "
                                "name=\"outer.bin\"\r\nContent-Transfer-Encoding: " + std::string(cte) + "\r\n\r\n" +
                                block_text("inner.exe", kEicar);
    const testing::ParseResult r = parse(message);
    ASSERT_EQ(r.views.size(), 2u) << cte;
    EXPECT_EQ(r.views[0].part.transfer_encoding, "x-binhex");
    EXPECT_EQ(r.views[0].part.filenames, std::vector<std::string>{"outer.bin"});
    const auto* v = binhex_view(r);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->data, kEicar);
    EXPECT_EQ(v->part.filenames, std::vector<std::string>{"inner.exe"});
    EXPECT_EQ(r.anomalies, bits({Anomaly::Binhex}));  // a known legacy token: no unknown_transfer_encoding
  }
}

TEST(BinhexParser, BadCrcAndCutBlockAreFlaggedAndStillScanned) {
  const std::string bad = std::string(kHeaders) + "\r\n" + block_text("x.exe", kEicar, "", {0, 7, 0});
  const testing::ParseResult r = parse(bad);
  ASSERT_NE(binhex_view(r), nullptr);
  EXPECT_EQ(binhex_view(r)->data, kEicar);
  EXPECT_EQ(r.anomalies, bits({Anomaly::Binhex, Anomaly::BinhexCrc}));

  std::string tail;
  for (int i = 0; i < 400; ++i) tail += static_cast<char>(i % 251);  // no runs: the block stays long
  std::string text = block_text("y.exe", std::string(kEicar) + tail);
  text.resize(text.size() / 2);
  const testing::ParseResult cut = parse(std::string(kHeaders) + "\r\n" + text);
  ASSERT_NE(binhex_view(cut), nullptr);
  EXPECT_TRUE(binhex_view(cut)->data.starts_with(kEicar));
  EXPECT_TRUE(cut.has(Anomaly::BinhexCrc));
}

TEST(BinhexParser, NameIsSanitisedAndBoundedLikeEveryName) {
  const std::string name = std::string(250, 'n') + "\x01.exe";
  MimeLimits limits;
  limits.max_filename_length = 100;
  const testing::ParseResult r = parse(std::string(kHeaders) + "\r\n" + block_text(name, "data"), limits);
  const auto* v = binhex_view(r);
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->part.filenames.size(), 1u);
  EXPECT_LE(v->part.filenames[0].size(), 100u);
  EXPECT_TRUE(r.has(Anomaly::FilenameTooLong));
}

TEST(BinhexParser, MacLineEndsBeforeAndAfterTheRelay) {
  std::string relayed(kPythonHqx);
  for (char& c : relayed)
    if (c == '\r') c = ' ';
  for (const std::string& body : {std::string(kPythonHqx), relayed}) {
    const testing::ParseResult r = parse(std::string(kHeaders) + "\r\nhere it is\r\n" + body + "\r\n");
    const auto* v = binhex_view(r);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->data, kPythonData);
    EXPECT_EQ(v->part.filenames, std::vector<std::string>{"hello.txt"});
    EXPECT_FALSE(r.has(Anomaly::BinhexCrc));
  }
}

TEST(BinhexParser, FlagNamesAndClasses) {
  EXPECT_STREQ(anomaly_name(Anomaly::Binhex), "binhex");
  EXPECT_STREQ(anomaly_name(Anomaly::BinhexCrc), "binhex_crc");
  EXPECT_STREQ(view_kind_name(ViewKind::Binhex), "binhex");
  EXPECT_FALSE(is_ambiguity(Anomaly::Binhex));     // every BinHex reader decodes the block alike
  EXPECT_FALSE(is_ambiguity(Anomaly::BinhexCrc));  // the bytes are scanned whatever the CRC says
}

}  // namespace
}  // namespace sluice::mime
