// UrlExtractor on URLs folded across text/plain lines inside "<...>" (RFC 3986 appendix C, THREATS MIME-14):
// joined when the '>' comes, bounded by UrlLimits, never joined outside angle brackets or in HTML.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "scan/url/url_extractor.h"
#include "tests/unit/url/extract_helpers.h"

namespace sluice::url {
namespace {

using test::extract;
using test::Found;

// The answer for one feed, also required of every chunk size from 1 to 7.
Found extract_any_chunking(std::string_view input) {
  const Found whole = extract(input);
  for (size_t chunk = 1; chunk < 8; ++chunk) EXPECT_EQ(extract(input, false, chunk), whole) << "chunk " << chunk;
  return whole;
}

constexpr uint16_t kFolded = flag_bit(UrlFlag::Folded);

TEST(FoldedUrl, LineBreakAndIndentationInsideAngleBracketsAreNotPartOfTheUrl) {
  EXPECT_EQ(extract_any_chunking("see <http://evil.exa\r\n  mple/login>\r\n"),
            (Found{{"http://evil.example/login", kFolded}}));
}

TEST(FoldedUrl, SeveralContinuationLinesAndBareLfAreJoined) {
  EXPECT_EQ(extract_any_chunking("<http://www.example.com/\n\tlong/\r\n path/\r\n\t to/page.html>"),
            (Found{{"http://www.example.com/long/path/to/page.html", kFolded}}));
}

TEST(FoldedUrl, ABreakRightAfterTheSchemeIsJoinedToo) {
  EXPECT_EQ(extract_any_chunking("<http://\r\n   evil.example/x>"), (Found{{"http://evil.example/x", kFolded}}));
}

TEST(FoldedUrl, AnUnfoldedBracketedUrlIsNotFlagged) {
  EXPECT_EQ(extract_any_chunking("<http://good.example/a> and more"), (Found{{"http://good.example/a", 0}}));
}

TEST(FoldedUrl, WithoutTheClosingBracketOnlyTheFirstLineIsTheUrl) {
  // Joining here would glue the next line's prose onto the link.
  EXPECT_EQ(extract_any_chunking("<http://good.example/a\r\nthanks, Bob\r\n"), (Found{{"http://good.example/a", 0}}));
  EXPECT_EQ(extract_any_chunking("<http://good.example/a\r\nmore http://other.example/ words>"),
            (Found{{"http://good.example/a", 0}, {"http://other.example/", 0}}));
}

TEST(FoldedUrl, ABlankLineEndsTheUrl) {
  EXPECT_EQ(extract_any_chunking("<http://good.example/a\r\n\r\nevil.example/>"), (Found{{"http://good.example/a", 0}}));
}

TEST(FoldedUrl, UnbracketedUrlsEndAtTheLineBreak) {
  EXPECT_EQ(extract_any_chunking("see http://evil.exa\r\n  mple/login\r\n"), (Found{{"http://evil.exa/", 0}}));
}

TEST(FoldedUrl, HtmlIsNeverFolded) {
  // In HTML '<' is markup; a URL in text still ends at the line break.
  EXPECT_EQ(extract("<p>http://evil.exa\r\n  mple/login</p>", true), (Found{{"http://evil.exa/", 0}}));
}

TEST(FoldedUrl, ContinuationLinesAreBoundedByTheirLimit) {
  UrlLimits limits;
  limits.max_url_continuation_lines = 2;
  EXPECT_EQ(extract("<http://a.example/1\r\n 2\r\n 3>", false, 0, limits), (Found{{"http://a.example/123", kFolded}}));
  // A third break is over the limit: the URL ends there, unclosed, so only its first line counts.
  EXPECT_EQ(extract("<http://a.example/1\r\n 2\r\n 3\r\n 4>", false, 0, limits), (Found{{"http://a.example/1", 0}}));
  limits.max_url_continuation_lines = 0;   // joining off
  EXPECT_EQ(extract("<http://evil.exa\r\n mple/>", false, 0, limits), (Found{{"http://evil.exa/", 0}}));
}

TEST(FoldedUrl, IndentationIsBoundedByItsLimit) {
  UrlLimits limits;
  limits.max_url_fold_indent = 4;
  EXPECT_EQ(extract("<http://evil.exa\r\n    mple/>", false, 0, limits), (Found{{"http://evil.example/", kFolded}}));
  EXPECT_EQ(extract("<http://evil.exa\r\n     mple/>", false, 0, limits), (Found{{"http://evil.exa/", 0}}));
}

TEST(FoldedUrl, JoiningNeverGrowsACandidatePastMaxUrlLength) {
  UrlLimits limits;
  limits.max_url_length = 24;
  const Found found = extract("<http://a.example/aaaa\r\n bbbbbbbbbbbbbbbbbbbb>", false, 0, limits);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first, "http://a.example/aaaabbb");
  EXPECT_TRUE(has_flag(found[0].second, UrlFlag::Truncated));
  EXPECT_TRUE(has_flag(found[0].second, UrlFlag::Folded));
}

}  // namespace
}  // namespace sluice::url
