// UrlExtractor: what is found in text and HTML, and that chunking never
// changes the answer.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "scan/url/url_extractor.h"
#include "tests/unit/url/extract_helpers.h"

namespace sluice::url {
namespace {

using test::extract;
using test::extract_with;
using test::Found;

constexpr uint16_t F(UrlFlag f) { return flag_bit(f); }

// One-shot result, also required of 1-byte chunks and of every two-piece split.
Found extract_all_ways(std::string_view input, bool html) {
  const Found whole = extract(input, html);
  EXPECT_EQ(extract(input, html, 1), whole) << "1-byte chunks";
  UrlExtractor extractor(UrlLimits{});
  for (size_t split = 1; split < input.size(); ++split) {
    extractor.begin(html);
    extractor.feed(input.substr(0, split));
    extractor.feed(input.substr(split));
    extractor.end();
    Found found;
    for (const Url& url : extractor.urls()) found.emplace_back(url.normalized, url.flags);
    EXPECT_EQ(found, whole) << "split at " << split;
  }
  return whole;
}

TEST(UrlExtractor, PlainTextSchemesAndWww) {
  const Found found = extract_all_ways(
      "Visit http://a.example/x and https://www.b.example/?q=1, or ftp://f.example/pub.\n"
      "Also www.c.example/path! and HTTPS://UPPER.Example/Case", false);
  EXPECT_EQ(found, (Found{{"http://a.example/x", 0},
                          {"https://www.b.example/?q=1", 0},
                          {"ftp://f.example/pub", 0},
                          {"http://www.c.example/path", F(UrlFlag::SchemeLess)},
                          {"https://upper.example/Case", 0}}));
}

TEST(UrlExtractor, WwwNeedsAWordBoundary) {
  EXPECT_EQ(extract_all_ways("awww.example.com x.www.example.com", false), Found{});
  EXPECT_EQ(extract_all_ways("www.example.com", false), (Found{{"http://www.example.com/", F(UrlFlag::SchemeLess)}}));
}

TEST(UrlExtractor, DefangedForms) {
  const uint16_t d = F(UrlFlag::Defanged);
  EXPECT_EQ(extract_all_ways("hxxp://evil[.]example/a hxxps://evil(.)example/b http[:]//x.example/ www[.]y.example",
                             false),
            (Found{{"http://evil.example/a", d},
                   {"https://evil.example/b", d},
                   {"http://x.example/", d},
                   {"http://www.y.example/", static_cast<uint16_t>(d | F(UrlFlag::SchemeLess))}}));
}

TEST(UrlExtractor, TrailingPunctuationIsProse) {
  EXPECT_EQ(extract_all_ways("(see http://a.example/x). <http://b.example/> "
                             "http://c.example/wiki/Foo_(bar). 'http://d.example/q?'",
                             false),
            (Found{{"http://a.example/x", 0},
                   {"http://b.example/", 0},
                   {"http://c.example/wiki/Foo_(bar)", 0},
                   {"http://d.example/q", 0}}));
}

TEST(UrlExtractor, EvasiveHostsInText) {
  EXPECT_EQ(extract_all_ways("http://trusted.example@evil.example/ http:\\\\evil2.example\\x "
                             "http://0x7f.1/ http://2130706433/ http://017700000001/ http://%65vil.example/",
                             false),
            (Found{{"http://evil.example/", F(UrlFlag::UserInfo) | F(UrlFlag::PercentEncodedHost)},
                   {"http://evil2.example/x", F(UrlFlag::Backslash)},
                   {"http://127.0.0.1/", F(UrlFlag::NumericHost)}}));
}

TEST(UrlExtractor, HtmlCharacterReferences) {
  const uint16_t e = F(UrlFlag::HtmlEntity);
  EXPECT_EQ(extract_all_ways("<p>&#104;ttp://evil.example/ and <a href=\"&#x68;ttp://e2.example/?a=1&amp;b=2\">"
                             "<a href=\"http://q.example/?a=1&amp;b=2\">http&colon;//e3.example/</a>",
                             true),
            (Found{{"http://evil.example/", e},
                   {"http://e2.example/?a=1&b=2", e},
                   {"http://q.example/?a=1&b=2", 0},
                   {"http://e3.example/", e}}));
  // Plain text is not HTML: the reference stays text and hides nothing.
  EXPECT_EQ(extract_all_ways("&#104;ttp://evil.example/", false), Found{});
}

TEST(UrlExtractor, HtmlAttributesAndCss) {
  const std::string html =
      "<a href=\"http://x.example/1\">one</a><a href='http://x.example/2'>two</a>"
      "<a href=http://x.example/3>three</a><A HREF = \"http://x.example/4\" >four</A>"
      "<img srcset=\"http://x.example/a.png 1x, http://x.example/b.png 2x\">"
      "<div style=\"background: url(http://x.example/c.png)\"></div>"
      "<style>body{background:url('http://x.example/d.png')}</style>"
      "<meta http-equiv=\"refresh\" content=\"0;url=http://x.example/e\">"
      "<a href=\"//x.example/f\">f</a><form action=\"https://x.example/g\"></form>"
      "<td background=\"http://x.example/h.gif\"></td>";
  EXPECT_EQ(extract_all_ways(html, true),
            (Found{{"http://x.example/1", 0},
                   {"http://x.example/2", 0},
                   {"http://x.example/3", 0},
                   {"http://x.example/4", 0},
                   {"http://x.example/a.png", 0},
                   {"http://x.example/b.png", 0},
                   {"http://x.example/c.png", 0},
                   {"http://x.example/d.png", 0},
                   {"http://x.example/e", 0},
                   {"http://x.example/f", F(UrlFlag::SchemeLess)},
                   {"https://x.example/g", 0},
                   {"http://x.example/h.gif", 0}}));
}

TEST(UrlExtractor, ProtocolRelativeOnlyWhereAUrlIsExpected) {
  EXPECT_EQ(extract_all_ways("see //x.example/ <p title=\"//y.example/\">", true), Found{});
  EXPECT_EQ(extract_all_ways("see //x.example/", false), Found{});
}

TEST(UrlExtractor, TabsAndNewlinesInsideUrlAttributesAreStripped) {
  EXPECT_EQ(extract_all_ways("<a href=\"http://ev&#10;il.example/\">x</a><a href=\"http://ba\r\nd.example/\">", true),
            (Found{{"http://evil.example/", F(UrlFlag::HtmlEntity)}, {"http://bad.example/", 0}}));
}

TEST(UrlExtractor, DataAndJavascriptUrls) {
  EXPECT_EQ(extract_all_ways("<a href=\"data:text/html,hello\">d</a><a href=\"javascript:alert(1)\">j</a>", true),
            Found{});
  EXPECT_EQ(extract_all_ways("<a href=\"javascript:window.location='http://js.example/x'\">j</a>", true),
            (Found{{"http://js.example/x", 0}}));
}

TEST(UrlExtractor, NoBreakSpaceEndsAUrl) {
  EXPECT_EQ(extract_all_ways("http://a.example/x\xC2\xA0next <p>http://b.example&nbsp;www.c.example</p>", true),
            (Found{{"http://a.example/x", 0}, {"http://b.example/", 0}, {"http://www.c.example/", F(UrlFlag::SchemeLess)}}));
}

// Inputs stitched from URL-ish fragments: whatever they yield, every
// chunking must yield the same, and nothing may crash.
TEST(UrlExtractor, RandomFragmentsChunkInvariant) {
  static constexpr std::string_view kPieces[] = {
      "http", "hxxp", "s", ":", "[:]", "/", "\\", "//", "www", ".", "[.]", "(.)", "evil", "example", "@",
      "%65", "0x7f", "2130706433", "&#104;", "&#x", "&amp;", "&", ";", "<a href=", "\"", "'", ">", " ",
      "\n", "srcset=\"", "url(", ")", "?q=", "#f", "\xC2", "\xA0", "\xC3\xBC", "javascript:", ":80"};
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;  // deterministic LCG: reproducible failures
    return seed >> 8;
  };
  for (int round = 0; round < 300; ++round) {
    std::string input;
    const uint32_t count = 1 + next() % 40;
    for (uint32_t i = 0; i < count; ++i) input += kPieces[next() % std::size(kPieces)];
    for (bool html : {false, true}) {
      SCOPED_TRACE(input);
      const Found whole = extract(input, html);
      EXPECT_EQ(extract(input, html, 1), whole);
      EXPECT_EQ(extract(input, html, 3), whole);
      EXPECT_EQ(extract(input, html, 7), whole);
    }
  }
}

TEST(UrlExtractor, EmbeddedUrlsAreReportedToo) {
  EXPECT_EQ(extract_all_ways("http://r.example/?u=http://evil.example/x", false),
            (Found{{"http://r.example/?u=http://evil.example/x", 0}, {"http://evil.example/x", 0}}));
}

TEST(UrlExtractor, DeduplicatesAndUnitesFlags) {
  EXPECT_EQ(extract_all_ways("http://a.example/ hxxp://a.example/ http://b.example/ HTTP://A.EXAMPLE:80/", false),
            (Found{{"http://a.example/", F(UrlFlag::Defanged)}, {"http://b.example/", 0}}));
}

TEST(UrlExtractor, LimitsCountAndTruncate) {
  UrlLimits limits;
  limits.max_urls_per_view = 2;
  UrlExtractor extractor(limits);
  EXPECT_EQ(extract_with(extractor, "http://a.example/ http://b.example/ http://a.example/ http://c.example/ "
                                    "http://d.example/", false, 0),
            (Found{{"http://a.example/", 0}, {"http://b.example/", 0}}));
  EXPECT_EQ(extractor.dropped(), 2u);

  limits = UrlLimits{};
  limits.max_url_length = 24;
  const std::string input = "http://long.example/abcdefghijklmnop then http://next.example/";
  const Found expected{{"http://long.example/abcd", F(UrlFlag::Truncated)}, {"http://next.example/", 0}};
  EXPECT_EQ(extract(input, false, 0, limits), expected);
  EXPECT_EQ(extract(input, false, 1, limits), expected);
}

TEST(UrlExtractor, BeginResetsTheView) {
  UrlExtractor extractor(UrlLimits{});
  extractor.begin(false);
  extractor.feed("http://first.example/ and http://unfinis");
  extract_with(extractor, "", false, 0);
  EXPECT_TRUE(extractor.urls().empty());
  EXPECT_EQ(extract_with(extractor, "x http://second.example/", false, 0), (Found{{"http://second.example/", 0}}));
}

TEST(UrlExtractor, UrlAtEveryChunkBoundaryFoundOnce) {
  const std::string input = "a &#104;ttp://evil.example/p?q=1&amp;r=2 b";
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    SCOPED_TRACE(chunk);
    EXPECT_EQ(extract(input, true, chunk), (Found{{"http://evil.example/p?q=1&r=2", F(UrlFlag::HtmlEntity)}}));
  }
}

TEST(UrlExtractor, PathologicalInputIsLinear) {
  std::string dotted = "http://";
  for (int i = 0; i < 1'000'000; ++i) dotted += "a.";
  std::string schemes;
  for (int i = 0; i < 200'000; ++i) schemes += "http:/";
  std::string references;
  for (int i = 0; i < 200'000; ++i) references += "&#<a href=";

  UrlExtractor extractor(UrlLimits{});
  for (const std::string* text : {&dotted, &schemes, &references}) {
    const auto started = std::chrono::steady_clock::now();
    extractor.begin(true);
    for (size_t i = 0; i < text->size(); i += 4096) extractor.feed(std::string_view(*text).substr(i, 4096));
    extractor.end();
    // Each is ~2 MB; linear work is a few ms, so this holds even on a loaded machine.
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    // The embedded-URL cap bounds what one candidate can yield.
    EXPECT_LE(extractor.urls().size(), 1u + UrlLimits{}.max_embedded_urls_per_candidate);
  }

  extractor.begin(false);
  for (size_t i = 0; i < dotted.size(); i += 4096) extractor.feed(std::string_view(dotted).substr(i, 4096));
  extractor.end();
  ASSERT_EQ(extractor.urls().size(), 1u);
  EXPECT_EQ(extractor.urls()[0].flags, flag_bit(UrlFlag::Truncated));
  // 2048 candidate bytes: "http://" + "a.a.(...).a" (2041 bytes), then the root path.
  std::string expected = "http://";
  for (int i = 0; i < 1020; ++i) expected += "a.";
  expected += "a/";
  EXPECT_EQ(extractor.urls()[0].normalized, expected);
}

}  // namespace
}  // namespace sluice::url
