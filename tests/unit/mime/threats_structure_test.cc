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
  // Sluice's own reading: one part, the other trailers are data.
  ASSERT_EQ(r.views.size(), 2u);
  EXPECT_EQ(r.views[0].data, "one\r\n--b\v\r\nstill one\r\n--bX");
  EXPECT_FALSE(r.has(Anomaly::MissingCloseDelimiter));
  // The prefix reader's: "--b\v" opened a part (headerless, so its first line is body) that "--bX" ended.
  EXPECT_EQ(r.views[1].data, "still one");
  EXPECT_EQ(r.views[1].part.depth, 1u);
  EXPECT_TRUE(r.has(Anomaly::BoundaryPrefixLine));
  EXPECT_TRUE(is_ambiguity(Anomaly::BoundaryPrefixLine));
}

// "--b" + a byte that is not transport padding: data here, a delimiter to readers that trim isspace() or compare
// prefixes, who then open the attachment after it. Both readings are scanned and the line is flagged.
std::string text_then_prefixed_attachment(std::string_view trailer) {
  return crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b",
               "Content-Type: text/plain", "", "clean", "--b" + std::string(trailer)}) +
         payload_part() + crlf({"--b--"});
}

TEST(ThreatsMime4, NonPaddingAfterDelimiterIsFlaggedAndTheAttachmentScanned) {
  const std::string_view trailers[] = {"\v", "\f", "X", std::string_view("\0", 1), "-X", "--X"};
  for (std::string_view trailer : trailers) {
    const std::string message = text_then_prefixed_attachment(trailer);
    const auto r = parse(message);
    SCOPED_TRACE(::testing::PrintToString(std::string(trailer)));
    EXPECT_TRUE(r.has(Anomaly::BoundaryPrefixLine));
    ASSERT_GE(r.views.size(), 1u);
    // Sluice's reading is unchanged: the text part runs to the close delimiter.
    EXPECT_TRUE(r.views[0].data.starts_with("clean\r\n--b"));
    EXPECT_TRUE(r.views[0].data.ends_with(kEicarBase64));
    if (trailer.starts_with("--")) {
      // "--b--X" is a close delimiter to the prefix reader: what follows is the epilogue it never parses.
      EXPECT_EQ(r.views.size(), 1u);
    } else {
      EXPECT_TRUE(decoded_payload_found(r)) << "the prefix reader's attachment, decoded";
    }
  }
  // Only the flag (and what the trailer is on its own): nothing else about this structure is odd.
  EXPECT_EQ(parse(text_then_prefixed_attachment("X")).anomalies, bits({Anomaly::BoundaryPrefixLine}));
  EXPECT_EQ(parse(text_then_prefixed_attachment("\v")).anomalies, bits({Anomaly::BoundaryPrefixLine}));
}

TEST(ThreatsMime4, PrefixReadingIsAPartOfItsMultipartEndingAtTheNextDelimiter) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b", "",
                             "one", "--bX", "Content-Type: text/html", "", "<p>two</p>", "--b", "", "three",
                             "--b--"}));
  ASSERT_EQ(r.views.size(), 3u);
  EXPECT_EQ(r.views[0].data, "one\r\n--bX\r\nContent-Type: text/html\r\n\r\n<p>two</p>");
  // The line end before "--b" is the delimiter's in both readings.
  EXPECT_EQ(r.views[1].data, "<p>two</p>");
  EXPECT_EQ(r.views[1].part.content_type, "text/html");
  EXPECT_EQ(r.views[1].part.depth, 1u);
  EXPECT_NE(r.views[1].part.index, r.views[0].part.index);
  EXPECT_EQ(r.views[2].data, "three");
  EXPECT_EQ(r.views[2].part.index, r.views[1].part.index + 1) << "part indices never collide";
  EXPECT_EQ(r.anomalies, bits({Anomaly::BoundaryPrefixLine}));
}

TEST(ThreatsMime4, PrefixOfAnOuterBoundaryInsideANestedMultipart) {
  // "--bX" inside the inner multipart (boundary c) opens, to the prefix reader, a part of the outer one: it closes
  // the inner multipart there, so the prefix reading is a depth-1 part that runs to the outer "--b--".
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b",
                             "Content-Type: multipart/mixed; boundary=c", "", "--c", "", "inner", "--bX"}) +
                       payload_part() + crlf({"--b--"}));
  EXPECT_TRUE(decoded_payload_found(r));
  for (const auto& v : r.views) {
    if (v.data == kEicar) {
      EXPECT_EQ(v.part.depth, 1u);
    }
  }
  EXPECT_TRUE(r.has(Anomaly::BoundaryPrefixLine));
}

TEST(ThreatsMime4, BoundaryThatPrefixesANestedOneIsNotFlagged) {
  // RFC 2046 §5.1.1 asks that an inner boundary not extend an outer one, but "b" outside "b2" is common and every
  // line here is exactly a delimiter of one of them: the longest wins and nothing is ambiguous.
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b",
                             "Content-Type: multipart/alternative; boundary=b2", "", "--b2", "", "inner",
                             "--b2--", "--b"}) +
                       payload_part() + crlf({"--b--"}));
  EXPECT_TRUE(decoded_payload_found(r));
  EXPECT_EQ(r.anomalies, 0u);
}

TEST(ThreatsMime4, PrefixReadingRespectsTheDepthLimit) {
  MimeLimits limits;
  limits.max_depth = 1;  // the multipart's children sit at depth 1: room for the prefix part, none below it
  const std::string nested_inside = crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "",
                                          "--b", "", "one", "--bX", "Content-Type: multipart/mixed; boundary=c",
                                          "", "--c", "", "deep", "--c--", "--b--"});
  const auto r = parse(nested_inside, limits);
  EXPECT_TRUE(r.has(Anomaly::BoundaryPrefixLine));
  EXPECT_TRUE(r.has(Anomaly::DepthLimit)) << "the prefix reading's own nesting counts against max_depth";
  EXPECT_TRUE(r.any_view_contains("deep"));
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
