// MimeParser on well-formed and simply damaged messages: exact views and bytes.
#include <gtest/gtest.h>

#include "recording_sink.h"

namespace sluice::mime {
namespace {

using testing::bits;
using testing::crlf;
using testing::parse;

TEST(MimeParser, PlainMessageIsOneDecodedView) {
  const auto r = parse("From: a@example.com\r\nSubject: =?utf-8?q?hi_there?=\r\n\r\nHello\r\nWorld\r\n");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1].name, "Subject");
  EXPECT_EQ(r.headers[1].value, "=?utf-8?q?hi_there?=");
  EXPECT_EQ(r.headers[1].decoded, "hi there");
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].id, 1u);
  EXPECT_EQ(r.views[0].kind, ViewKind::Decoded);
  EXPECT_EQ(r.views[0].part.content_type, "text/plain");
  EXPECT_EQ(r.views[0].data, "Hello\r\nWorld\r\n");
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(r.parts, 1u);
}

TEST(MimeParser, TopHeaderDecodedHasNoControls) {
  const auto r = parse("Subject: =?utf-8?q?a=0Db=00c?=\r\n\r\n");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].decoded, "a b c");
}

TEST(MimeParser, MultipartWithPreambleEpilogueAndAttachment) {
  const auto r = parse(crlf({"MIME-Version: 1.0",
                             "Content-Type: multipart/mixed; boundary=\"XX\"",
                             "",
                             "preamble text",
                             "--XX",
                             "Content-Type: text/plain; charset=UTF-8",
                             "",
                             "body",
                             "--XX",
                             "Content-Type: application/octet-stream; name=\"a.bin\"",
                             "Content-Transfer-Encoding: base64",
                             "Content-Disposition: attachment; filename=\"a.bin\"",
                             "",
                             "SGVs",
                             "bG8=",
                             "--XX--",
                             "epilogue"}));
  ASSERT_EQ(r.views.size(), 4u);
  EXPECT_EQ(r.views[0].kind, ViewKind::RawAlternate);
  EXPECT_EQ(r.views[0].part.content_type, "multipart/mixed");
  EXPECT_EQ(r.views[0].part.index, 0u);
  EXPECT_EQ(r.views[0].data, "preamble text");
  EXPECT_EQ(r.views[1].kind, ViewKind::Decoded);
  EXPECT_EQ(r.views[1].part.index, 1u);
  EXPECT_EQ(r.views[1].part.depth, 1u);
  EXPECT_EQ(r.views[1].part.charset, "utf-8");
  EXPECT_TRUE(r.views[1].part.is_text());
  EXPECT_EQ(r.views[1].data, "body");
  EXPECT_EQ(r.views[2].part.index, 2u);
  EXPECT_EQ(r.views[2].part.transfer_encoding, "base64");
  EXPECT_EQ(r.views[2].part.filenames, (std::vector<std::string>{"a.bin"}));
  EXPECT_TRUE(r.views[2].part.attachment);
  EXPECT_EQ(r.views[2].data, "Hello");
  EXPECT_EQ(r.views[3].kind, ViewKind::RawAlternate);
  EXPECT_EQ(r.views[3].data, "epilogue\r\n");
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(r.parts, 3u);
}

TEST(MimeParser, NestedMultipartAndQuotedPrintable) {
  const auto r = parse(crlf({"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=o", "",
                             "--o", "Content-Type: multipart/alternative; boundary=i", "", "--i",
                             "Content-Type: text/html", "Content-Transfer-Encoding: quoted-printable",
                             "", "<p>caf=C3=A9 lo=", "ng</p>", "--i--", "--o--"}));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].part.index, 2u);
  EXPECT_EQ(r.views[0].part.depth, 2u);
  EXPECT_TRUE(r.views[0].part.is_html());
  EXPECT_EQ(r.views[0].data, "<p>caf\xC3\xA9 long</p>");
  EXPECT_EQ(r.anomalies, 0u);
}

TEST(MimeParser, BareLineEndsBecomeCrlfAndAreFlagged) {
  const auto r = parse("Subject: x\n\nline1\nline2\rline3\r\n");
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, "line1\r\nline2\r\nline3\r\n");
  EXPECT_EQ(r.anomalies, bits({Anomaly::BareLf, Anomaly::BareCr}));
}

TEST(MimeParser, LongLinesArriveWholeInPiecesAndAreFlagged) {
  const std::string long_line(5000, 'a');
  const auto r = parse("Subject: x\r\n\r\n" + long_line + "\r\nend");
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, long_line + "\r\nend");
  EXPECT_EQ(r.anomalies, bits({Anomaly::LongLine}));
}

TEST(MimeParser, NulBytesAreFlaggedAndKept) {
  const auto r = parse(std::string("Subject: x\r\n\r\na\0b\r\n", 19));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, std::string("a\0b\r\n", 5));
  EXPECT_TRUE(r.has(Anomaly::NulByte));
}

TEST(MimeParser, HeaderOverLimitRestIsBody) {
  MimeLimits limits;
  limits.max_header_bytes = 40;
  const auto r = parse(crlf({"X-A: 0123456789", "X-B: 0123456789", "X-C: hidden", "", "body"}), limits);
  EXPECT_TRUE(r.has(Anomaly::HeaderTooLong));
  ASSERT_EQ(r.views.size(), 1u);
  EXPECT_EQ(r.views[0].data, "X-C: hidden\r\n\r\nbody\r\n");
}

TEST(MimeParser, HeadersOnlyMessageHasNoViews) {
  const auto r = parse("Subject: only headers\r\n");
  EXPECT_EQ(r.views.size(), 0u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].value, "only headers");
}

TEST(MimeParser, FoldedHeaderIsUnfolded) {
  const auto r = parse("Subject: a\r\n\tb\r\n c\r\n\r\n");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].value, "a\tb c");
}

TEST(MimeParser, ResetReusesTheParser) {
  testing::RecordingSink sink;
  MimeParser parser(MimeLimits{}, sink);
  parser.feed("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n");
  parser.finish();
  EXPECT_TRUE(parser.anomalies() & static_cast<uint32_t>(Anomaly::MissingCloseDelimiter));
  parser.reset();
  sink.views.clear();  // view ids start again at 1 for the next message
  sink.index_of.clear();
  EXPECT_EQ(parser.anomalies(), 0u);
  EXPECT_EQ(parser.part_count(), 1u);
  testing::RecordingSink second;
  MimeParser fresh(MimeLimits{}, second);
  for (MimeParser* p : {&parser, &fresh}) {
    p->feed("Subject: s\r\n\r\nsecond\r\n");
    p->finish();
  }
  EXPECT_EQ(sink.views.back().data, "second\r\n");
  EXPECT_EQ(sink.views.back().id, 1u);
  EXPECT_EQ(second.views.back().data, "second\r\n");
  EXPECT_EQ(parser.part_count(), fresh.part_count());
}

TEST(MimeParser, AnomalyNamesAndAmbiguityClasses) {
  EXPECT_STREQ(anomaly_name(Anomaly::DuplicateBoundary), "duplicate_boundary");
  EXPECT_STREQ(anomaly_name(Anomaly::ObsoleteHeaderSyntax), "obsolete_header_syntax");
  EXPECT_STREQ(anomaly_name(Anomaly::BoundaryPrefixLine), "boundary_prefix_line");
  EXPECT_STREQ(anomaly_name(Anomaly::Yenc), "yenc");
  EXPECT_STREQ(view_kind_name(ViewKind::Yenc), "yenc");
  EXPECT_STREQ(view_kind_name(ViewKind::QpAlternate), "qp_alternate");
  EXPECT_TRUE(is_ambiguity(Anomaly::ConflictingTransferEncoding));
  EXPECT_TRUE(is_ambiguity(Anomaly::DuplicateContentType));
  EXPECT_FALSE(is_ambiguity(Anomaly::DepthLimit));
  EXPECT_FALSE(is_ambiguity(Anomaly::BareLf));
  EXPECT_FALSE(is_ambiguity(Anomaly::Yenc));  // every yEnc reader decodes the block alike
  for (uint32_t bit = 1; bit <= (1u << 27); bit <<= 1)
    EXPECT_STRNE(anomaly_name(static_cast<Anomaly>(bit)), "unknown");
}

}  // namespace
}  // namespace sluice::mime
