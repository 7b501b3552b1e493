// THREATS.md §3 MIME-3, -8, -9, -10, -11, -12 at byte level: transfer encodings,
// filenames, base64/QP anomalies, legacy uuencode and yEnc, and nesting. P = EICAR.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "recording_sink.h"

namespace sluice::mime {
namespace {

using testing::base64_encode;
using testing::bits;
using testing::crlf;
using testing::kEicar;
using testing::kEicarBase64;
using testing::parse;
using testing::ParseResult;

// A message whose only part carries `body` under the given CTE header lines.
std::string single_part(std::string_view cte_lines, std::string_view body) {
  return "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n" + std::string(cte_lines) +
         "\r\n" + std::string(body) + "\r\n";
}

const testing::RecordedView* view_of_kind(const ParseResult& r, ViewKind kind) {
  for (const auto& v : r.views)
    if (v.kind == kind) return &v;
  return nullptr;
}

// MIME-3: valid tokens decode into one Decoded view.
TEST(ThreatsMime3, ValidTransferEncodingSpellings) {
  const std::pair<const char*, uint32_t> cases[] = {
      {"Content-Transfer-Encoding: baSE64\r\n", 0},
      {"Content-Transfer-Encoding:\r\n base64\r\n", 0},
      {"Content-Transfer-Encoding: (c) base64\r\n", 0},
      {"Content-Transfer-Encoding :base64\r\n", bits({Anomaly::ObsoleteHeaderSyntax})},
      {"X-Foo: bar\rContent-Transfer-Encoding: base64\r\n", bits({Anomaly::BareCr})},
  };
  for (const auto& [cte, anomalies] : cases) {
    const auto r = parse(single_part(cte, kEicarBase64));
    ASSERT_EQ(r.views.size(), 1u) << cte;
    EXPECT_EQ(r.views[0].kind, ViewKind::Decoded);
    EXPECT_EQ(r.views[0].part.transfer_encoding, "base64");
    EXPECT_EQ(r.views[0].data, kEicar) << cte;
    EXPECT_EQ(r.anomalies, anomalies) << cte;
  }
  const std::string padded = "Content-Transfer-Encoding:" + std::string(2000, ' ') + "base64\r\n";
  const auto r = parse(single_part(padded, kEicarBase64));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, kEicar);
}

// MIME-3: anything else opens raw, base64 and QP views.
TEST(ThreatsMime3, AmbiguousTransferEncodingsOpenThreeViews) {
  const std::pair<const char*, Anomaly> cases[] = {
      {"Content-Transfer-Encoding: quoted-printable\r\nContent-Transfer-Encoding: base64\r\n",
       Anomaly::ConflictingTransferEncoding},
      {"Content-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: quoted-printable\r\n",
       Anomaly::ConflictingTransferEncoding},
      {"Content-Transfer-Encoding: base64 quoted-printable\r\n", Anomaly::ConflictingTransferEncoding},
      {"Content-Transfer-Encoding: x-base64\r\n", Anomaly::UnknownTransferEncoding},
      {"Content-Transfer-Encoding: \"base64\"\r\n", Anomaly::UnknownTransferEncoding},
      {"Content-Transfer-Encoding: base\\64\r\n", Anomaly::UnknownTransferEncoding},
      {"Content-Transfer-Encoding: =?UTF-8?B?YmFzZTY0?=\r\n", Anomaly::UnknownTransferEncoding},
      {"Content-Transfer-Encoding: bas()e64\r\n", Anomaly::ConflictingTransferEncoding},
  };
  for (const auto& [cte, anomaly] : cases) {
    const auto r = parse(single_part(cte, kEicarBase64));
    ASSERT_EQ(r.views.size(), 3u) << cte;
    EXPECT_EQ(r.views[0].kind, ViewKind::RawAlternate);
    EXPECT_EQ(r.views[0].data, std::string(kEicarBase64) + "\r\n");
    EXPECT_EQ(r.views[1].kind, ViewKind::Base64Alternate);
    EXPECT_EQ(r.views[1].data, kEicar) << cte;
    EXPECT_EQ(r.views[2].kind, ViewKind::QpAlternate);
    EXPECT_EQ(r.views[2].part.transfer_encoding, "ambiguous");
    EXPECT_TRUE(r.has(anomaly)) << cte;
    EXPECT_FALSE(r.has(Anomaly::Base64Garbage));  // alternates do not flag decoder noise
  }
  // P written as QP under an ambiguous CTE is found by the QP reading.
  const auto r = parse(single_part("Content-Transfer-Encoding: x-qp\r\n", "X5O!P%@AP[4\\PZX54(P^)7CC)7}=\r\n"
                                   "$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"));
  ASSERT_NE(view_of_kind(r, ViewKind::QpAlternate), nullptr);
  EXPECT_EQ(view_of_kind(r, ViewKind::QpAlternate)->data, std::string(kEicar) + "\r\n");
}

// MIME-8: every candidate name is reported, decoded and sanitised.
std::vector<std::string> filenames_of(std::string_view headers, uint32_t* anomalies = nullptr) {
  const auto r = parse("MIME-Version: 1.0\r\n" + std::string(headers) + "\r\nx\r\n");
  EXPECT_EQ(r.views.size(), 1u);
  if (anomalies) *anomalies = r.anomalies;
  EXPECT_EQ(r.views[0].part.attachment, !r.views[0].part.filenames.empty() ||
                                            headers.find("attachment") != std::string_view::npos);
  return r.views[0].part.filenames;
}

TEST(ThreatsMime8, FilenameTricks) {
  uint32_t a = 0;
  EXPECT_EQ(filenames_of("Content-Type: application/octet-stream; name=\"a.png\"\r\n"
                         "Content-Disposition: attachment; filename=\"a.exe\"\r\n", &a),
            (std::vector<std::string>{"a.png", "a.exe"}));
  EXPECT_EQ(a, bits({Anomaly::FilenameConflict}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename=\"a.exe\"; filename=\"a.txt\"\r\n"),
            (std::vector<std::string>{"a.exe", "a.txt"}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename*1=\"il.exe\"; filename*0=\"ev\"\r\n", &a),
            (std::vector<std::string>{"evil.exe"}));
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename*=UTF-8''%65vil%2Eexe\r\n"),
            (std::vector<std::string>{"evil.exe"}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename*=utf-16le''e%00v%00\r\n"),
            (std::vector<std::string>{"ev"}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename=\"=?utf-8?B?ZXZpbC5leGU=?=\"\r\n", &a),
            (std::vector<std::string>{"evil.exe"}));
  EXPECT_EQ(a, bits({Anomaly::Rfc2047InParameter}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename=\"inv\xE2\x80\xAE" "fdp.exe\"\r\n"),
            (std::vector<std::string>{"inv_fdp.exe"}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename*=utf-8''a%0D%0Ab%00.exe\r\n"),
            (std::vector<std::string>{"a__b_.exe"}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment; filename=\"evil.exe \"\r\n"),
            (std::vector<std::string>{"evil.exe "}));
  const auto long_name = filenames_of("Content-Disposition: attachment; filename=\"" +
                                          std::string(1000, 'n') + ".exe\"\r\n", &a);
  ASSERT_EQ(long_name.size(), 1u);
  EXPECT_EQ(long_name[0], std::string(255, 'n'));
  EXPECT_EQ(a, bits({Anomaly::FilenameTooLong}));
  EXPECT_EQ(filenames_of("Content-Disposition: attachment\r\n"), std::vector<std::string>{});
}

// MIME-9: base64 anomalies still yield P, with Base64Garbage where bytes were skipped.
TEST(ThreatsMime9, Base64Anomalies) {
  const std::string cte = "Content-Transfer-Encoding: base64\r\n";
  std::string spread;
  for (char c : kEicarBase64) spread += std::string(1, c) + "#";
  auto r = parse(single_part(cte, spread));
  EXPECT_EQ(r.views[0].data, kEicar);
  EXPECT_EQ(r.anomalies, bits({Anomaly::Base64Garbage}));

  std::string one_per_line;
  for (char c : kEicarBase64) one_per_line += std::string(1, c) + "\r\n";
  r = parse(single_part(cte, one_per_line));
  EXPECT_EQ(r.views[0].data, kEicar);
  EXPECT_EQ(r.anomalies, 0u);

  const std::string b64 = base64_encode("ab");  // "YWI="
  r = parse(single_part(cte, b64 + "\r\n" + std::string(kEicarBase64)));
  EXPECT_EQ(r.views[0].data, "ab" + std::string(kEicar));  // concatenated streams

  const std::string unpadded(kEicarBase64.substr(0, kEicarBase64.size() - 1));
  r = parse(single_part(cte, "ABCD\r\n\r\n" + unpadded));
  EXPECT_EQ(r.views[0].data, std::string("\x00\x10\x83", 3) + std::string(kEicar));
}

// MIME-10: QP anomalies.
TEST(ThreatsMime10, QuotedPrintableAnomalies) {
  const std::string cte = "Content-Transfer-Encoding: quoted-printable\r\n";
  auto r = parse(single_part(cte, "X5O=\r\n!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"));
  EXPECT_EQ(r.views[0].data, std::string(kEicar) + "\r\n");
  EXPECT_EQ(r.anomalies, 0u);

  std::string per_line;
  for (char c : kEicar) {
    char esc[8];
    snprintf(esc, sizeof esc, "=%02X=", static_cast<unsigned char>(c));
    per_line += std::string(esc) + "\r\n";
  }
  r = parse(single_part(cte, per_line));
  EXPECT_EQ(r.views[0].data, std::string(kEicar) + "\r\n");

  r = parse("MIME-Version: 1.0\r\n" + cte + "\r\nX5O=\n!P%@AP= \r\n[4\r\n");
  EXPECT_EQ(r.views[0].data, "X5O!P%@AP[4\r\n");  // bare LF normalised, then a soft break

  r = parse(single_part(cte, "=XY ==41 =0=41 =3d end="));
  EXPECT_EQ(r.views[0].data, "=XY =A =0A = end");  // the last "=\r\n" is a soft break
  EXPECT_EQ(r.anomalies, bits({Anomaly::QpInvalid}));
}

// MIME-11: uuencode inside text/plain without MIME, and under CTE x-uuencode.
std::string uu_block(std::string_view name, std::string_view data) {
  std::string out = "begin 644 " + std::string(name) + "\r\n";
  for (size_t i = 0; i < data.size(); i += 45) {
    const std::string_view chunk = data.substr(i, 45);
    out.push_back(static_cast<char>(' ' + chunk.size()));
    for (size_t k = 0; k < chunk.size(); k += 3) {
      uint32_t n = static_cast<uint8_t>(chunk[k]) << 16;
      if (k + 1 < chunk.size()) n |= static_cast<uint8_t>(chunk[k + 1]) << 8;
      if (k + 2 < chunk.size()) n |= static_cast<uint8_t>(chunk[k + 2]);
      for (int s = 18; s >= 0; s -= 6) {
        const int v = (n >> s) & 63;
        out.push_back(v == 0 ? '`' : static_cast<char>(' ' + v));
      }
    }
    out += "\r\n";
  }
  return out + "`\r\nend\r\n";
}

TEST(ThreatsMime11, UuencodeInsidePlainText) {
  const auto r = parse("Subject: invoice\r\n\r\nsee attached\r\n" + uu_block("invoice.exe", kEicar) + "bye\r\n");
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_EQ(r.views[0].kind, ViewKind::Decoded);
  EXPECT_EQ(r.views[1].kind, ViewKind::Uuencoded);
  EXPECT_EQ(r.views[1].part.filenames, (std::vector<std::string>{"invoice.exe"}));
  EXPECT_TRUE(r.views[1].part.attachment);
  EXPECT_EQ(r.views[1].data, kEicar);
  EXPECT_EQ(r.anomalies, bits({Anomaly::Uuencode}));
}

TEST(ThreatsMime11, UuencodeTransferEncodingSpellings) {
  for (const char* cte : {"x-uuencode", "uue", "x-uue"}) {
    const auto r = parse(single_part("Content-Transfer-Encoding: " + std::string(cte) + "\r\n",
                                     uu_block("a.exe", kEicar)));
    const auto* uu = view_of_kind(r, ViewKind::Uuencoded);
    ASSERT_NE(uu, nullptr) << cte;
    EXPECT_EQ(uu->data, kEicar);
    EXPECT_EQ(r.views[0].part.transfer_encoding, "x-uuencode");
  }
}

// MIME-11: yEnc inside text/plain. `header` is the =ybegin line's parameters; lines of `width` encoded characters.
std::string yenc_lines(std::string_view data, size_t width) {
  std::string out, line;
  for (char c : data) {
    const auto e = static_cast<uint8_t>(static_cast<uint8_t>(c) + 42);
    if (e == 0 || e == '\n' || e == '\r' || e == '=') {
      line += '=';
      line += static_cast<char>(static_cast<uint8_t>(e + 64));
    } else {
      line += static_cast<char>(e);
    }
    if (line.size() >= width) out += std::exchange(line, {}) + "\r\n";
  }
  return line.empty() ? out : out + line + "\r\n";
}
std::string yenc_block(std::string_view header, std::string_view data, size_t width = 128) {
  return "=ybegin " + std::string(header) + "\r\n" + yenc_lines(data, width) +
         "=yend size=" + std::to_string(data.size()) + "\r\n";
}

TEST(ThreatsMime11, YencInsidePlainText) {
  const std::string block = yenc_block("line=128 size=68 name=invoice.exe", kEicar);
  const auto r = parse("Subject: invoice\r\n\r\nsee attached\r\n" + block + "bye\r\n");
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_EQ(r.views[0].kind, ViewKind::Decoded);
  EXPECT_EQ(r.views[0].data, "see attached\r\n" + block + "bye\r\n");  // the text view is unchanged
  EXPECT_EQ(r.views[1].kind, ViewKind::Yenc);
  EXPECT_EQ(r.views[1].part.filenames, (std::vector<std::string>{"invoice.exe"}));
  EXPECT_EQ(r.views[1].part.transfer_encoding, "x-yenc");
  EXPECT_EQ(r.views[1].part.content_type, "application/octet-stream");
  EXPECT_TRUE(r.views[1].part.attachment);
  EXPECT_TRUE(r.views[1].ended);
  EXPECT_EQ(r.views[1].data, kEicar);
  EXPECT_EQ(r.anomalies, bits({Anomaly::Yenc}));
}

TEST(ThreatsMime11, YencWithEveryByteValueAndEscapes) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const auto r = parse("Subject: x\r\n\r\n" + yenc_block("line=64 size=256 name=all.bin", all, 64));
  const auto* y = view_of_kind(r, ViewKind::Yenc);
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->data, all);
}

TEST(ThreatsMime11, YencLineLongerThanTheLineBufferIsDecodedWhole) {
  MimeLimits small;
  small.max_line_length = 64;
  const std::string payload = std::string(300, 'x') + std::string(kEicar);
  const auto r = parse("Subject: x\r\n\r\n" + yenc_block("line=1000 name=long.exe", payload, 1000), small);
  const auto* y = view_of_kind(r, ViewKind::Yenc);
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->data, payload);
  EXPECT_TRUE(r.has(Anomaly::LongLine));
}

TEST(ThreatsMime11, YencPartsInOrderAreOneFile) {
  const std::string_view eicar(kEicar);
  const std::string msg = "Subject: x\r\n\r\n=ybegin part=1 total=2 line=128 size=68 name=split.exe\r\n"
                          "=ypart begin=1 end=30\r\n" + yenc_lines(eicar.substr(0, 30), 128) +
                          "=yend size=30 part=1\r\n\r\n=ybegin part=2 total=2 line=128 size=68 name=split.exe\r\n"
                          "=ypart begin=31 end=68\r\n" + yenc_lines(eicar.substr(30), 128) +
                          "=yend size=38 part=2\r\nbye\r\n";
  const auto r = parse(msg);
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_EQ(r.views[1].kind, ViewKind::Yenc);
  EXPECT_EQ(r.views[1].data, kEicar);
  EXPECT_EQ(r.views[1].part.filenames, (std::vector<std::string>{"split.exe"}));
}

TEST(ThreatsMime11, YencBlockCutShortEndsWithItsPart) {
  const std::string msg = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                          "Content-Type: text/plain\r\n\r\n=ybegin line=128 size=68 name=cut.exe\r\n" +
                          yenc_lines(kEicar, 128) + "--b\r\nContent-Type: text/plain\r\n\r\nklm\r\n--b--\r\n";
  const auto r = parse(msg);
  const auto* y = view_of_kind(r, ViewKind::Yenc);
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->data, kEicar);  // no =yend: the view ends with the part, the delimiter is not data
  EXPECT_TRUE(y->ended);
  int yenc_views = 0;
  for (const auto& v : r.views) yenc_views += v.kind == ViewKind::Yenc;
  EXPECT_EQ(yenc_views, 1);  // the next part's "klm" is text, not the rest of the block
}

TEST(ThreatsMime11, YencNameIsSanitisedAndBoundedLikeEveryName) {
  MimeLimits limits;
  limits.max_filename_length = 16;
  const std::string name = "\xE2\x80\xAE" "exe.txt" + std::string(40, 'a');  // RTLO, then too long
  const auto r = parse("Subject: x\r\n\r\n" + yenc_block("size=3 name=" + name, "abc"), limits);
  const auto* y = view_of_kind(r, ViewKind::Yenc);
  ASSERT_NE(y, nullptr);
  ASSERT_EQ(y->part.filenames.size(), 1u);
  EXPECT_LE(y->part.filenames[0].size(), 16u);
  EXPECT_EQ(y->part.filenames[0].find("\xE2\x80\xAE"), std::string::npos);
  EXPECT_TRUE(r.has(Anomaly::FilenameTooLong));
  EXPECT_EQ(y->data, "abc");
}

// MIME-12: nesting, encoded rfc822, digest, global, partial.
TEST(ThreatsMime12, MultipartNestedBeyondDepthLimitIsScannedFlat) {
  std::string msg = "MIME-Version: 1.0\r\n";
  for (int i = 0; i < 101; ++i)
    msg += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
           std::to_string(i) + "\r\n";
  msg += "\r\n" + std::string(kEicar) + "\r\n";
  const auto r = parse(msg);
  EXPECT_TRUE(r.has(Anomaly::DepthLimit));
  EXPECT_TRUE(r.any_view_contains(kEicar));
  EXPECT_EQ(r.parts, 21u);  // depths 0..20
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].kind, ViewKind::RawAlternate);
}

TEST(ThreatsMime12, Rfc822NestedFiftyDeep) {
  std::string msg;
  for (int i = 0; i < 50; ++i) msg += "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n";
  msg += "Subject: bottom\r\n\r\n" + std::string(kEicar) + "\r\n";
  auto r = parse(msg);
  EXPECT_TRUE(r.has(Anomaly::DepthLimit));
  EXPECT_TRUE(r.any_view_contains(kEicar));
  MimeLimits deep;
  deep.max_depth = 60;
  r = parse(msg, deep);
  EXPECT_EQ(r.anomalies, 0u);
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].part.depth, 50u);
  EXPECT_EQ(r.views[0].data, std::string(kEicar) + "\r\n");
}

TEST(ThreatsMime12, Base64EncodedRfc822IsDecodedAndParsed) {
  const std::string inner = crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=in", "",
                                  "--in", "Content-Type: application/octet-stream",
                                  "Content-Transfer-Encoding: base64", "", kEicarBase64, "--in--"});
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=out", "",
                             "--out", "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64",
                             "", base64_encode(inner), "--out", "", "after", "--out--"}));
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_EQ(r.views[0].data, kEicar);
  EXPECT_EQ(r.views[0].part.index, 3u);  // top 0, rfc822 part 1, its message 2, inner part 3
  EXPECT_EQ(r.views[0].part.depth, 3u);
  EXPECT_EQ(r.views[1].data, "after");
  EXPECT_EQ(r.views[1].part.index, 4u);
  EXPECT_GT(r.views[1].id, r.views[0].id);
  EXPECT_EQ(r.parts, 5u);
  EXPECT_EQ(r.anomalies, bits({Anomaly::EncodedRfc822}));
}

TEST(ThreatsMime12, DigestChildrenAreMessages) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/digest; boundary=d", "", "--d",
                             "", "Content-Type: text/html", "", "<p>first</p>", "--d",
                             "Content-Type: text/plain", "", "not a message", "--d--"}));
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_TRUE(r.views[0].part.is_html());  // the nested message's own header
  EXPECT_EQ(r.views[0].part.depth, 2u);
  EXPECT_EQ(r.views[0].data, "<p>first</p>");
  EXPECT_EQ(r.views[1].part.depth, 1u);
  EXPECT_EQ(r.views[1].data, "not a message");
}

TEST(ThreatsMime12, GlobalPartialAndExternal) {
  auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: message/global", "", "Subject: in", "",
                       std::string(kEicar)}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].part.depth, 1u);
  for (const char* type : {"message/partial; id=x; number=1; total=3", "message/external-body"}) {
    r = parse(crlf({"MIME-Version: 1.0", std::string("Content-Type: ") + type, "", "part of P"}));
    EXPECT_EQ(r.anomalies, bits({Anomaly::PartialOrExternal})) << type;
    ASSERT_EQ(r.views.size(), 1u);
    EXPECT_EQ(r.views[0].data, "part of P\r\n");
  }
}

TEST(ThreatsMime12, PartLimitScansTheRestFlat) {
  MimeLimits limits;
  limits.max_parts = 3;
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b",
                             "", "one", "--b", "", "two", "--b", "", std::string(kEicar), "--b--"}),
                       limits);
  EXPECT_TRUE(r.has(Anomaly::PartLimit));
  ASSERT_EQ(r.views.size(), 3u);
  EXPECT_EQ(r.views[2].kind, ViewKind::RawAlternate);
  EXPECT_EQ(r.views[2].data, "\r\n" + std::string(kEicar) + "\r\n--b--\r\n");
}

// RES-14 (open finding closed): past max-parts the rest is one raw view, and base64 in it was scanned as text. Runs
// of base64 lines there are decoded into views of their own, so EICAR in a base64 part after the limit is found.
TEST(ThreatsMime12, PartLimitDecodesBase64RunsInTheFlatRest) {
  MimeLimits limits;
  limits.max_parts = 3;
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b", "", "one",
                             "--b", "", "two", "--b", "Content-Transfer-Encoding: base64", "",
                             std::string(kEicarBase64), "--b--"}),
                       limits);
  EXPECT_TRUE(r.has(Anomaly::PartLimit));
  ASSERT_EQ(r.views.size(), 4u);
  EXPECT_EQ(r.views[2].kind, ViewKind::RawAlternate);
  EXPECT_EQ(r.views[3].kind, ViewKind::Decoded);
  EXPECT_EQ(r.views[3].part.transfer_encoding, "base64");
  EXPECT_TRUE(r.views[3].part.attachment);
  EXPECT_EQ(r.views[3].data, kEicar);
  EXPECT_TRUE(r.views[3].ended);
}

TEST(ThreatsMime12, DepthLimitDecodesBase64RunsInTheFlatRest) {
  MimeLimits limits;
  limits.max_depth = 1;
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=a", "", "--a",
                             "Content-Type: multipart/mixed; boundary=b", "", "--b",
                             "Content-Transfer-Encoding: base64", "", base64_encode(std::string(kEicar)), "--b--",
                             "--a--"}),
                       limits);
  EXPECT_TRUE(r.has(Anomaly::DepthLimit));
  size_t decoded = 0;
  for (const auto& v : r.views) {
    if (v.kind == ViewKind::Decoded && v.data == kEicar) ++decoded;
  }
  EXPECT_EQ(decoded, 1u);
}

// Text is not mistaken for base64: prose has blanks, and a short alphabet-only line (a word, a number) starts no run.
TEST(ThreatsMime12, TextInTheFlatRestStartsNoBase64Run) {
  MimeLimits limits;
  limits.max_parts = 2;
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b", "", "one",
                             "--b", "", "Hello there, this is a letter.", "Regards", "2026", "Fifteenletters1",
                             "--b--"}),
                       limits);
  EXPECT_TRUE(r.has(Anomaly::PartLimit));
  for (const auto& v : r.views) EXPECT_NE(v.part.transfer_encoding, "base64") << v.data;
}

// Each run restarts the decoder (so every run decodes in step); past max_flat_decoded_views, runs join the last view.
TEST(ThreatsMime12, FlatBase64RunsAreBoundedByTheViewLimit) {
  MimeLimits limits;
  limits.max_parts = 2;
  limits.max_flat_decoded_views = 2;
  std::vector<std::string> lines = {"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b", "",
                                    "one"};
  const std::string payloads[] = {"first run of bytes!", "second run, oddly sized", "third run", std::string(kEicar)};
  for (const std::string& p : payloads) {
    lines.push_back("--b");
    lines.push_back("");
    lines.push_back(base64_encode(p + std::string(16, '.')));
  }
  lines.push_back("--b--");
  std::string message;
  for (const std::string& line : lines) message += line + "\r\n";
  const auto r = parse(message, limits);
  std::vector<std::string> decoded;
  for (const auto& v : r.views) {
    if (v.kind == ViewKind::Decoded && v.part.transfer_encoding == "base64") decoded.push_back(v.data);
  }
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[0], payloads[0] + std::string(16, '.'));
  EXPECT_EQ(decoded[1], payloads[1] + std::string(16, '.') + payloads[2] + std::string(16, '.') + payloads[3] +
                            std::string(16, '.'));
}

}  // namespace
}  // namespace sluice::mime
