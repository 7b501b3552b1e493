// THREATS.md §3 MIME-1, -2, -4, -5, -6, -7 at byte level: boundaries, duplicate
// headers, damaged structure and hidden headers. P = EICAR; every case asserts
// that P reaches a view (decoded where the sender encoded it) and the flags.
#include <gtest/gtest.h>

#include "recording_sink.h"

namespace sluice::mime {
namespace {

using testing::bits;
using testing::crlf;
using testing::kEicar;
using testing::kEicarBase64;
using testing::parse;
using testing::ParseResult;

// A base64 attachment part carrying P, without its opening delimiter.
std::string payload_part() {
  return crlf({"Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "",
               kEicarBase64});
}

bool decoded_payload_found(const ParseResult& r) {
  for (const auto& v : r.views)
    if ((v.kind == ViewKind::Decoded || v.kind == ViewKind::Base64Alternate) && v.data == kEicar)
      return true;
  return false;
}

// MIME-1: clean --A structure and a --B structure with P; every boundary is live.
std::string two_structures(std::string_view content_type_lines) {
  return std::string(content_type_lines) +
         crlf({"", "--A", "Content-Type: text/plain", "", "clean", "--A--", "--B"}) +
         payload_part() + crlf({"--B--"});
}

TEST(ThreatsMime1, DuplicateBoundaryParameterBothOrders) {
  for (const char* ct : {"Content-Type: multipart/mixed; boundary=\"A\"; boundary=\"B\"\r\n",
                         "Content-Type: multipart/mixed; boundary=\"B\"; boundary=\"A\"\r\n"}) {
    const auto r = parse("MIME-Version: 1.0\r\n" + two_structures(ct));
    EXPECT_TRUE(decoded_payload_found(r)) << ct;
    EXPECT_TRUE(r.any_view_contains("clean"));
    EXPECT_TRUE(r.has(Anomaly::DuplicateBoundary));
    EXPECT_TRUE(is_ambiguity(Anomaly::DuplicateBoundary));
  }
}

TEST(ThreatsMime1, Rfc2231AndPlainBoundaryMix) {
  const auto r = parse("MIME-Version: 1.0\r\n" +
                       two_structures("Content-Type: multipart/mixed; boundary*=''A; boundary=B\r\n"));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_TRUE(r.has(Anomaly::DuplicateBoundary));
}

TEST(ThreatsMime1, TwoContentTypeHeadersWithDifferentBoundaries) {
  const auto r = parse("MIME-Version: 1.0\r\n" +
                       two_structures("Content-Type: multipart/mixed; boundary=A\r\n"
                                      "Content-Type: multipart/mixed; boundary=B\r\n"));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies & bits({Anomaly::DuplicateBoundary, Anomaly::DuplicateContentType}),
            bits({Anomaly::DuplicateBoundary, Anomaly::DuplicateContentType}));
}

// MIME-2: text/plain + multipart/mixed in both orders: the multipart reading is scanned.
TEST(ThreatsMime2, DuplicateContentTypeBothOrders) {
  const std::string body = crlf({"", "--b"}) + payload_part() + crlf({"--b--"});
  for (const char* cts : {"Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=b\r\n",
                          "Content-Type: multipart/mixed; boundary=b\r\nContent-Type: text/plain\r\n"}) {
    const auto r = parse(std::string("MIME-Version: 1.0\r\n") + cts + body);
    EXPECT_TRUE(decoded_payload_found(r)) << cts;
    EXPECT_EQ(r.anomalies, bits({Anomaly::DuplicateContentType}));
  }
}

std::string with_boundary(std::string_view param, std::string_view delimiter) {
  return "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; " + std::string(param) + "\r\n\r\n--" +
         std::string(delimiter) + "\r\n" + payload_part() + "--" + std::string(delimiter) + "--\r\n";
}

// MIME-4: quoting and whitespace readings of the boundary all split the body.
TEST(ThreatsMime4, BoundaryQuotingReadings) {
  const std::pair<const char*, const char*> cases[] = {
      {"boundary=\" b\"", " b"}, {"boundary=\" b\"", "b"},   {"boundary=\"b \"", "b"},
      {"boundary='b'", "b"},     {"boundary='b'", "'b'"},    {"boundary=b c", "b"},
      {"boundary=b c", "b c"},   {"boundary=\"b\\_x\"", "b_x"},
      {"boundary*1*=x; boundary*0*=''b", "bx"},
  };
  for (const auto& [param, delimiter] : cases) {
    const auto r = parse(with_boundary(param, delimiter));
    EXPECT_TRUE(decoded_payload_found(r)) << param << " / " << delimiter;
    EXPECT_FALSE(r.has(Anomaly::MissingCloseDelimiter)) << param << " / " << delimiter;
  }
}

TEST(ThreatsMime4, TransportPaddingAllowedOtherTrailersNot) {
  auto r = parse(crlf({"Content-Type: multipart/mixed; boundary=b", "", "--b \t", "", "one",
                       "--b\v", "still one", "--bX", "--b--  "}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, "one\r\n--b\v\r\nstill one\r\n--bX");
  EXPECT_FALSE(r.has(Anomaly::MissingCloseDelimiter));
}

TEST(ThreatsMime4, EmptyLongAnd2047Boundaries) {
  auto r = parse(with_boundary("boundary=\"\"", ""));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_TRUE(r.has(Anomaly::MissingBoundary));

  const std::string b71(71, 'x');
  r = parse(with_boundary("boundary=" + b71, b71));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, 0u);

  // Too long for the limit: the body is one text part, P still visible raw.
  const std::string b2049(2049, 'x');
  r = parse(with_boundary("boundary=" + b2049, b2049));
  EXPECT_TRUE(r.has(Anomaly::BoundaryTooLong));
  EXPECT_TRUE(r.has(Anomaly::MissingBoundary));
  EXPECT_TRUE(r.any_view_contains(kEicarBase64));

  r = parse(with_boundary("boundary=\"=?utf-8?q?b?=\"", "b"));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_TRUE(r.has(Anomaly::Rfc2047InParameter));
}

// MIME-5: prefixes and nesting.
TEST(ThreatsMime5, InnerBoundaryExtendsOuterAndTheReverse) {
  for (auto [outer, inner] : {std::pair{"b", "b_"}, std::pair{"b_", "b"}}) {
    const std::string o(outer), i(inner);
    const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=" + o, "", "--" + o,
                               "Content-Type: multipart/alternative; boundary=" + i, "", "--" + i,
                               "", "inner text", "--" + i + "--", "--" + o}) +
                         payload_part() + crlf({"--" + o + "--"}));
    ASSERT_EQ(r.views.size(), 2u) << outer;
    EXPECT_EQ(r.views[0].data, "inner text");
    EXPECT_EQ(r.views[0].part.depth, 2u);
    EXPECT_EQ(r.views[1].data, kEicar);
    EXPECT_EQ(r.views[1].part.depth, 1u);
    EXPECT_EQ(r.anomalies, 0u);
  }
}

TEST(ThreatsMime5, InnerEqualToOuterStillScansEverything) {
  const auto r = parse(crlf({"Content-Type: multipart/mixed; boundary=b", "", "--b",
                             "Content-Type: multipart/mixed; boundary=b", "", "--b", "", "x",
                             "--b--", "--b"}) +
                       payload_part() + crlf({"--b--"}));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_TRUE(r.has(Anomaly::PartsAfterClose));
}

TEST(ThreatsMime5, LongestBoundaryWinsOverOuterClose) {
  // "--b--" is the outer close delimiter or the inner "b--" delimiter: inner wins,
  // so the outer multipart can never close while the inner one is open.
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "",
                             "--b", "Content-Type: multipart/mixed; boundary=\"b--\"", "", "--b--"}) +
                       payload_part() + crlf({"--b----"}));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, bits({Anomaly::MissingCloseDelimiter}));
}

TEST(ThreatsMime5, DelimiterMidLineNeverSplits) {
  const auto r = parse(crlf({"Content-Type: multipart/mixed; boundary=b", "", "--b", "",
                             "visit --b now", " --b", "--b--"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, "visit --b now\r\n --b");
}

// MIME-6: damaged structure.
TEST(ThreatsMime6, NoBlankLineBeforeFirstDelimiter) {
  const auto r = parse("Content-Type: multipart/mixed; boundary=b\r\n--b\r\n" + payload_part() +
                       "--b--\r\n");
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, bits({Anomaly::HeaderWithoutColon, Anomaly::NoMimeVersion}));
}

TEST(ThreatsMime6, MissingCloseDelimiterKeepsLastLineEnd) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "",
                             "--b", "", "tail"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, "tail\r\n");
  EXPECT_EQ(r.anomalies, bits({Anomaly::MissingCloseDelimiter}));
}

TEST(ThreatsMime6, PartsAfterCloseAreScanned) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "",
                             "--b", "", "clean", "--b--", "--b"}) +
                       payload_part() + crlf({"--b--"}));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, bits({Anomaly::PartsAfterClose}));
}

TEST(ThreatsMime6, DelimiterInsidePartHeaderBlock) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "",
                             "--b", "Content-Type: text/plain", "--b"}) +
                       payload_part() + crlf({"--b--"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].part.index, 2u);
  EXPECT_EQ(r.views[0].data, kEicar);
}

TEST(ThreatsMime6, MultipartWithoutBoundaryIsOneTextPart) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed", "", "--b",
                             std::string(kEicar), "--b--"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].kind, ViewKind::Decoded);
  EXPECT_EQ(r.views[0].data, "--b\r\n" + std::string(kEicar) + "\r\n--b--\r\n");
  EXPECT_EQ(r.anomalies, bits({Anomaly::MissingBoundary}));
}

TEST(ThreatsMime6, MultipartWithoutMimeVersion) {
  const auto r = parse(crlf({"Content-Type: multipart/mixed; boundary=b", "", "--b"}) +
                       payload_part() + crlf({"--b--"}));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, bits({Anomaly::NoMimeVersion}));
}

// MIME-7: header hiding.
TEST(ThreatsMime7, BareCrSeparatesHeaders) {
  const auto r = parse("MIME-Version: 1.0\r\nX-Foo: bar\rContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
                       payload_part() + "--b--\r\n");
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, bits({Anomaly::BareCr}));
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[1].value, "bar");
}

TEST(ThreatsMime7, ContinuationSwallowsHeaderIsFlaggedAndScannedRaw) {
  const auto r = parse("MIME-Version: 1.0\r\nX-Foo :bar\n Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
                       payload_part() + "--b--\r\n");
  EXPECT_TRUE(r.any_view_contains(kEicarBase64));
  EXPECT_EQ(r.anomalies, bits({Anomaly::ObsoleteHeaderSyntax, Anomaly::BareLf}));
  EXPECT_TRUE(is_ambiguity(Anomaly::ObsoleteHeaderSyntax));
}

TEST(ThreatsMime7, LineWithoutColonStartsTheBody) {
  const auto r = parse(crlf({"Subject: x", std::string(kEicar), "Content-Type: text/html", "", "b"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].part.content_type, "text/plain");
  EXPECT_EQ(r.views[0].data, std::string(kEicar) + "\r\nContent-Type: text/html\r\n\r\nb\r\n");
  EXPECT_EQ(r.anomalies, bits({Anomaly::HeaderWithoutColon}));
}

TEST(ThreatsMime7, WhitespaceOnlyLineEndsHeaders) {
  const auto r = parse(crlf({"Subject: x", " ", "Content-Type: text/html", "", "b"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, "Content-Type: text/html\r\n\r\nb\r\n");
  EXPECT_EQ(r.anomalies, bits({Anomaly::ObsoleteHeaderSyntax}));
}

}  // namespace
}  // namespace sluice::mime
