// Regression tests for what tests/fuzz/url_extractor_fuzz found in scan/url, one test per finding, with the
// fuzzer's inputs.
#include <gtest/gtest.h>

#include "scan/url/url.h"
#include "scan/url/url_lists.h"

namespace sluice::url {
namespace {

// Only one trailing dot was dropped: "evil.example.." kept "evil.example." as its host, which no domain entry
// matched (a list bypass), and normalising "http://evil.example./" again gave another form. Every trailing dot
// goes now, and a host of dots alone ("//...", the fuzzer's input) is no host.
TEST(UrlFuzzFindings, EveryTrailingDotIsDropped) {
  for (const char* candidate : {"http://evil.example../", "http://evil.example.%2e/", "hxxp://evil[.]example[.]./"}) {
    SCOPED_TRACE(candidate);
    const auto url = normalize_url(candidate);
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->host, "evil.example");
    EXPECT_EQ(url->normalized, "http://evil.example/");
  }
  const auto numeric = normalize_url("http://1.2.3.4../x");
  ASSERT_TRUE(numeric.has_value());
  EXPECT_EQ(numeric->normalized, "http://1.2.3.4/x");
}

TEST(UrlFuzzFindings, HostOfDotsAloneIsRejected) {
  EXPECT_FALSE(normalize_url("//...").has_value());
  EXPECT_FALSE(normalize_url("http://../").has_value());
}

TEST(UrlFuzzFindings, DoubleTrailingDotStillMatchesTheDomainList) {
  UrlLists lists;
  ASSERT_TRUE(lists.add_domain("evil.example"));
  const auto url = normalize_url("http://sub.evil.example../a");
  ASSERT_TRUE(url.has_value());
  EXPECT_TRUE(lists.match(*url).has_value());
}

TEST(UrlFuzzFindings, NormalisedFormIsAFixedPoint) {
  const auto once = normalize_url("hxxps[:]//evil[.]./x/../y");
  ASSERT_TRUE(once.has_value());
  const auto twice = normalize_url(once->normalized);
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(twice->normalized, once->normalized);
}

// url_extractor_fuzz, second finding: a defanged dot written with a full-width or ideographic full stop
// ("{\uff61}") became "{.}" only after undefanging had run, so the host kept its braces and the next
// normalisation gave another host. The folded form is undefanged too, and the list matches it.
TEST(UrlFuzzFindings, DefangedDotWrittenWithAUnicodeFullStopIsUndefanged) {
  const auto url = normalize_url("ftp://evil{\xef\xbd\xa1}example/x");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->normalized, "ftp://evil.example/x");
  const auto again = normalize_url(url->normalized);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->normalized, url->normalized);
  UrlLists lists;
  ASSERT_TRUE(lists.add_domain("evil.example"));
  EXPECT_TRUE(lists.match(*url).has_value());
  const auto crash = normalize_url("ftp://v{\xef\xbd\xa1}/");   // the fuzzer's input, reduced
  if (crash) EXPECT_EQ(normalize_url(crash->normalized)->normalized, crash->normalized);
}

}  // namespace
}  // namespace sluice::url
