// PdfUrlScanner: link annotations and text URLs in uncompressed PDF bytes, string escapes decoded, content-sniffed,
// and the same answer however the bytes are chunked.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scan/url/pdf_url_scanner.h"

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

}  // namespace
}  // namespace sluice::url
