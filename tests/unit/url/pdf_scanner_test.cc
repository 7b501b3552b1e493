// PdfUrlScanner: link annotations and text URLs in PDF bytes and inside FlateDecode streams (object streams, content
// streams; deflated in-test with zlib), string escapes decoded, content-sniffed, the inflation budgets, and the same
// answer however the bytes are chunked.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scan/url/pdf_url_scanner.h"
#include "tests/unit/url/zlib_compress.h"

namespace sluice::url {
namespace {

struct Result {
  bool pdf = false;
  std::vector<std::string> urls;
  bool operator==(const Result&) const = default;
};

Result scan(std::string_view bytes, size_t chunk = 0, const UrlLimits& limits = {}) {
  PdfUrlScanner scanner(limits);
  scanner.begin();
  if (chunk == 0) chunk = bytes.size() + 1;
  for (size_t i = 0; i < bytes.size(); i += chunk) scanner.feed(bytes.substr(i, chunk));
  scanner.end();
  Result r{scanner.is_pdf(), {}};
  for (const Url& url : scanner.urls()) r.urls.push_back(url.normalized);
  return r;
}

bool found(const Result& r, std::string_view url) {
  return std::find(r.urls.begin(), r.urls.end(), url) != r.urls.end();
}

Result scan_any_chunking(std::string_view bytes) {
  const Result whole = scan(bytes);
  for (size_t chunk = 1; chunk < 9; ++chunk) EXPECT_EQ(scan(bytes, chunk), whole) << "chunk " << chunk;
  return whole;
}

std::string pdf(std::string_view objects) { return "%PDF-1.4\n" + std::string(objects) + "\ntrailer << >>\n%%EOF\n"; }

TEST(PdfUrlScanner, LinkAnnotationUri) {
  EXPECT_EQ(scan_any_chunking(pdf("1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI "
                                  "(http://evil.example/pay) >> >>\nendobj")),
            (Result{true, {"http://evil.example/pay"}}));
}

TEST(PdfUrlScanner, EscapedLiteralStringIsDecodedAsAReaderWould) {
  // "\151" is 'i', "\/" is '/', backslash-newline continues the string, "\)" is a parenthesis.
  const Result r = scan_any_chunking(pdf("<< /URI (http:\\/\\/ev\\151l.exa\\\r\nmple/a\\(b\\)) >>"));
  EXPECT_TRUE(r.pdf);
  EXPECT_TRUE(found(r, "http://evil.example/a(b)")) << ::testing::PrintToString(r.urls);
}

TEST(PdfUrlScanner, HexStringIsDecoded) {
  // "http://evil.example/" in hex, with whitespace between digits as PDF allows.
  EXPECT_EQ(scan_any_chunking(pdf("<< /URI <687474703a2f2f6576696c2e 6578616d706c652f> >>")),
            (Result{true, {"http://evil.example/"}}));
}

TEST(PdfUrlScanner, PlainTextUrlsInUncompressedObjectsAndEscapedParentheses) {
  const Result r = scan_any_chunking(pdf("BT (Pay at www.evil.example/now \\(today\\) or \\(http://b.example/x\\)) Tj ET"));
  EXPECT_TRUE(found(r, "http://www.evil.example/now")) << ::testing::PrintToString(r.urls);
  // The raw reading sees "x\))" and makes "x/" of the backslash; the decoded string gives the link as shown.
  EXPECT_TRUE(found(r, "http://b.example/x")) << ::testing::PrintToString(r.urls);
}

TEST(PdfUrlScanner, StringsEndAtTheirClosingParenthesisNotAtTheNextOne) {
  // Two strings side by side must not run together into one host, nor make the second a link.
  const Result r = scan_any_chunking(pdf("[(http://a.example/)(evil.example)] TJ"));
  EXPECT_TRUE(found(r, "http://a.example/")) << ::testing::PrintToString(r.urls);
  for (const std::string& url : r.urls) EXPECT_TRUE(url.starts_with("http://a.example/")) << url;
}

TEST(PdfUrlScanner, ParenthesisInACommentOpensNoString) {
  EXPECT_EQ(scan_any_chunking(pdf("% (unclosed comment\n<< /URI (http://c.example/) >>")),
            (Result{true, {"http://c.example/"}}));
}

TEST(PdfUrlScanner, AStrayLessThanInBinaryDataDoesNotHideWhatFollows) {
  EXPECT_EQ(scan_any_chunking(pdf("stream\n<\x01\x02 binary\nendstream (http://d.example/)")),
            (Result{true, {"http://d.example/"}}));
}

TEST(PdfUrlScanner, HeaderMayFollowJunkWithinTheWindow) {
  const std::string junk(PdfUrlScanner::kPdfHeaderWindow - 20, 'x');
  EXPECT_EQ(scan_any_chunking(junk + pdf("(http://e.example/)")), (Result{true, {"http://e.example/"}}));
}

TEST(PdfUrlScanner, ContentWithoutTheHeaderIsNotAPdfAndGivesNothing) {
  EXPECT_EQ(scan("just text http://e.example/ here"), (Result{false, {}}));
  const std::string late = std::string(PdfUrlScanner::kPdfHeaderWindow, 'x') + pdf("(http://e.example/)");
  EXPECT_EQ(scan_any_chunking(late), (Result{false, {}}));
}

TEST(PdfUrlScanner, BothReadingsTogetherStayWithinMaxUrlsPerView) {
  UrlLimits limits;
  limits.max_urls_per_view = 3;
  std::string objects;
  for (int i = 0; i < 10; ++i) objects += "(http://h" + std::to_string(i) + ".example/) ";
  PdfUrlScanner scanner(limits);
  scanner.begin();
  scanner.feed(pdf(objects));
  scanner.end();
  EXPECT_EQ(scanner.urls().size(), 3u);
  EXPECT_GE(scanner.dropped(), 7u);
}

TEST(PdfUrlScanner, ReusedAcrossViews) {
  PdfUrlScanner scanner(UrlLimits{});
  scanner.begin();
  scanner.feed(pdf("(http://one.example/)"));
  scanner.end();
  scanner.begin();
  scanner.feed("not a pdf (http://two.example/)");
  scanner.end();
  EXPECT_FALSE(scanner.is_pdf());
  EXPECT_TRUE(scanner.urls().empty());
}


// ---- FlateDecode streams (THREATS MIME-14: links in compressed objects) ----

std::string deflate(std::string_view data) { return testing::zlib_compress(data); }

// An object stream (PDF 1.5) holding one link annotation, as modern writers produce them.
std::string object_stream(std::string_view objects, std::string_view filter = "/FlateDecode") {
  const std::string body = deflate(objects);
  return "4 0 obj\n<< /Type /ObjStm /N 1 /First 5 /Length " + std::to_string(body.size()) + " /Filter " +
         std::string(filter) + " >>\nstream\r\n" + body + "\r\nendstream\nendobj\n";
}

constexpr std::string_view kAnnotation = "5 0 << /Type /Annot /Subtype /Link /A << /S /URI /URI (http://evil.example/objstm) >> >>";

PdfUrlScanner::InflateStats stats_of(std::string_view bytes, const UrlLimits& limits = {}) {
  PdfUrlScanner scanner(limits);
  scanner.begin();
  scanner.feed(bytes);
  scanner.end();
  return scanner.inflate_stats();
}

TEST(PdfUrlScannerFlate, UriInsideACompressedObjectStreamIsFound) {
  const std::string file = pdf(object_stream(kAnnotation));
  ASSERT_EQ(file.find("evil.example"), std::string::npos) << "the link must exist only compressed";
  EXPECT_EQ(scan_any_chunking(file), (Result{true, {"http://evil.example/objstm"}}));
  const PdfUrlScanner::InflateStats stats = stats_of(file);
  EXPECT_EQ(stats.streams, 1u);
  EXPECT_EQ(stats.inflated_bytes, kAnnotation.size());
  EXPECT_EQ(stats.corrupt + stats.cut + stats.skipped, 0u);
}

TEST(PdfUrlScannerFlate, WithInflationOffTheCompressedLinkIsNotSeen) {
  // The control for the test above: the link is found only through inflation.
  UrlLimits off;
  off.max_pdf_inflated_bytes = 0;
  EXPECT_EQ(scan(pdf(object_stream(kAnnotation)), 0, off), (Result{true, {}}));
}

TEST(PdfUrlScannerFlate, OneByteFeedsGiveTheSameAnswer) {
  const std::string file = pdf(object_stream(kAnnotation) + object_stream("BT (www.other.example/x) Tj ET"));
  const Result whole = scan(file);
  EXPECT_EQ(scan(file, 1), whole);
  EXPECT_EQ(whole, (Result{true, {"http://evil.example/objstm", "http://www.other.example/x"}}));
}

TEST(PdfUrlScannerFlate, ContentStreamTextAndEscapedStringsAreFound) {
  // A content stream with shown text, and a /URI whose string is written in escapes inside the compressed data.
  const std::string content = "BT /F1 12 Tf (Pay at http://pay.example/now) Tj ET";
  const std::string annots = "6 0 << /A << /S /URI /URI (http:\\/\\/ev\\151l.example/esc) >> >>";
  const Result r = scan_any_chunking(pdf(object_stream(content, "[/FlateDecode]") + object_stream(annots, "/Fl")));
  EXPECT_TRUE(found(r, "http://pay.example/now")) << ::testing::PrintToString(r.urls);
  EXPECT_TRUE(found(r, "http://evil.example/esc")) << ::testing::PrintToString(r.urls);
}

TEST(PdfUrlScannerFlate, FilterNamesAreReadAsReadersReadThem) {
  // "#61" is 'a' in a name (ISO 32000-1 §7.3.5); "/Filter/FlateDecode" needs no space; a comment may sit between.
  for (std::string_view filter : {"/Fl#61teDecode", "/FlateDecode%c\n", "[ /Fl /DCTDecode ]"}) {
    EXPECT_EQ(scan(pdf(object_stream(kAnnotation, filter))), (Result{true, {"http://evil.example/objstm"}})) << filter;
  }
  const std::string body = deflate(kAnnotation);
  EXPECT_EQ(scan(pdf("4 0 obj<</Filter/FlateDecode/Length 9 0 R>>stream\n" + body + "\nendstream endobj")),
            (Result{true, {"http://evil.example/objstm"}}));
}

TEST(PdfUrlScannerFlate, OtherFiltersAndUnfilteredStreamsAreNotInflated) {
  const std::string body = deflate(kAnnotation);
  for (std::string_view filter : {"/DCTDecode", "/FlateDecodeX", "[/ASCIIHexDecode /FlateDecode]"}) {
    const std::string file = pdf("4 0 obj << /Filter " + std::string(filter) + " >>\nstream\n" + body + "\nendstream");
    EXPECT_EQ(stats_of(file).streams, 0u) << filter;
  }
}

TEST(PdfUrlScannerFlate, AShortLengthDoesNotEndTheInflation) {
  // Readers that find no "endstream" where /Length points search for it; so zlib's own end is what counts here.
  const std::string body = deflate(kAnnotation);
  EXPECT_EQ(scan(pdf("4 0 obj << /Length 3 /Filter /FlateDecode >>\nstream\n" + body + "\nendstream\nendobj")),
            (Result{true, {"http://evil.example/objstm"}}));
}

TEST(PdfUrlScannerFlate, CorruptStreamStopsThereAndScanningGoesOn) {
  std::string broken = deflate(std::string(2000, 'A') + " (http://lost.example/) ");
  for (size_t i = 8; i < broken.size(); i += 3) broken[i] = static_cast<char>(broken[i] ^ 0x5a);   // bad data
  const std::string truncated = deflate("(http://half.example/) " + std::string(4000, 'B')).substr(0, 12);
  const std::string file = pdf("4 0 obj << /Filter /FlateDecode >>\nstream\n" + broken + "\nendstream\nendobj\n" +
                               "7 0 obj << /Filter /FlateDecode >>\nstream\n" + truncated + "\nendstream\nendobj\n" +
                               "8 0 obj << /URI (http://after.example/plain) >>\nendobj\n" + object_stream(kAnnotation));
  const Result r = scan_any_chunking(file);
  EXPECT_TRUE(found(r, "http://after.example/plain")) << ::testing::PrintToString(r.urls);
  EXPECT_TRUE(found(r, "http://evil.example/objstm")) << ::testing::PrintToString(r.urls);
  EXPECT_FALSE(found(r, "http://lost.example/"));
  const PdfUrlScanner::InflateStats stats = stats_of(file);
  EXPECT_EQ(stats.streams, 3u);
  EXPECT_GE(stats.corrupt, 1u);
}

TEST(PdfUrlScannerFlate, StreamBudgetCutsThatStreamOnlyAndSkipsToItsEnd) {
  UrlLimits limits;
  limits.max_pdf_stream_inflated_bytes = 10000;
  // The late link sits past the stream's budget; the rest of that body is passed over to its "endstream" (a '('
  // in the compressed bytes opens no string), and the next stream is inflated as usual.
  const std::string big = object_stream("(" + std::string(20000, ' ') + "(http://late.example/)");
  const std::string file = pdf(big + object_stream(kAnnotation));
  const Result r = scan(file, 0, limits);
  EXPECT_FALSE(found(r, "http://late.example/"));
  EXPECT_TRUE(found(r, "http://evil.example/objstm")) << ::testing::PrintToString(r.urls);
  EXPECT_EQ(scan(file, 7, limits), r);
  const PdfUrlScanner::InflateStats stats = stats_of(file, limits);
  EXPECT_EQ(stats.cut, 1u);
  EXPECT_EQ(stats.inflated_bytes, 10000u + kAnnotation.size());
}

TEST(PdfUrlScannerFlate, PdfBudgetSkipsTheStreamsAfterIt) {
  UrlLimits limits;
  limits.max_pdf_inflated_bytes = kAnnotation.size() + 10;
  const std::string file = pdf(object_stream(kAnnotation) + object_stream("BT (http://second.example/) Tj ET") +
                               object_stream("(http://third.example/)"));
  const Result r = scan(file, 0, limits);
  EXPECT_EQ(r, (Result{true, {"http://evil.example/objstm"}}));
  const PdfUrlScanner::InflateStats stats = stats_of(file, limits);
  EXPECT_EQ(stats.streams, 3u);
  EXPECT_EQ(stats.cut, 1u);
  EXPECT_EQ(stats.skipped, 1u);
  EXPECT_EQ(stats.inflated_bytes, limits.max_pdf_inflated_bytes);
}

TEST(PdfUrlScannerFlate, DeflateBombStopsAtTheDefaultBudget) {
  // 64 MiB of zeros deflate to about 64 KB; only max_pdf_stream_inflated_bytes (4 MiB) of them are inflated.
  z_stream z{};
  ASSERT_EQ(deflateInit(&z, Z_BEST_COMPRESSION), Z_OK);
  std::string zeros(1 << 20, '\0'), body(1 << 20, '\0'), compressed;
  for (int i = 0; i < 64; ++i) {
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(zeros.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(body.data());
      z.avail_out = static_cast<uInt>(body.size());
      deflate(&z, i == 63 ? Z_FINISH : Z_NO_FLUSH);
      compressed.append(body.data(), body.size() - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  const std::string file = pdf("4 0 obj << /Filter /FlateDecode >>\nstream\n" + compressed +
                               "\nendstream\nendobj\n(http://after.example/)");
  const PdfUrlScanner::InflateStats stats = stats_of(file);
  EXPECT_EQ(stats.inflated_bytes, UrlLimits{}.max_pdf_stream_inflated_bytes);
  EXPECT_EQ(stats.cut, 1u);
  EXPECT_EQ(scan(file), (Result{true, {"http://after.example/"}}));
}

TEST(PdfUrlScannerFlate, PastTheDeadlineNothingMoreIsInflated) {
  // A deadline already passed (TSC 1): at most one output window is inflated, later streams are skipped, and the
  // file's own bytes are still read.
  PdfUrlScanner scanner(UrlLimits{});
  scanner.begin();
  scanner.set_deadline_tsc(1);
  scanner.feed(pdf(object_stream(std::string(1 << 20, ' ')) + object_stream(kAnnotation) + "(http://plain.example/)"));
  scanner.end();
  const PdfUrlScanner::InflateStats& stats = scanner.inflate_stats();
  EXPECT_TRUE(stats.time_limit);
  EXPECT_LE(stats.inflated_bytes, PdfStreamInflater::kWindow);
  EXPECT_EQ(stats.skipped, 1u);
  ASSERT_EQ(scanner.urls().size(), 1u);
  EXPECT_EQ(scanner.urls()[0].normalized, "http://plain.example/");
}

TEST(PdfUrlScannerFlate, TwoStreamsNeverJoinIntoOneUrl) {
  const Result r = scan(pdf(object_stream("(http://a.example/") + object_stream("evil)")));
  EXPECT_EQ(r, (Result{true, {"http://a.example/"}}));
}

}  // namespace
}  // namespace sluice::url
