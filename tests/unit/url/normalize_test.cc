// normalize_url(): canonical forms and evasion flags, asserted exactly.
#include <gtest/gtest.h>

#include "scan/url/url.h"

namespace sluice::url {
namespace {

struct Expected {
  const char* candidate;
  const char* normalized;
  const char* host;
  uint16_t flags;
};

constexpr uint16_t F(UrlFlag f) { return flag_bit(f); }

void expect_normalized(const Expected& e) {
  SCOPED_TRACE(e.candidate);
  const auto url = normalize_url(e.candidate);
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->normalized, e.normalized);
  EXPECT_EQ(url->host, e.host);
  EXPECT_EQ(url->flags, e.flags);
}

TEST(NormalizeUrl, PlainSchemes) {
  expect_normalized({"http://example.com", "http://example.com/", "example.com", 0});
  expect_normalized({"https://www.example.com/a/b?x=1#frag", "https://www.example.com/a/b?x=1", "www.example.com", 0});
  expect_normalized({"ftp://files.example/pub/", "ftp://files.example/pub/", "files.example", 0});
  expect_normalized({"HTTP://EVIL.Example/Path", "http://evil.example/Path", "evil.example", 0});
}

TEST(NormalizeUrl, PortsAndSchemeLess) {
  expect_normalized({"http://a.example:80/x", "http://a.example/x", "a.example", 0});
  expect_normalized({"https://a.example:443/", "https://a.example/", "a.example", 0});
  expect_normalized({"http://a.example:0080/", "http://a.example/", "a.example", 0});
  expect_normalized({"http://a.example:8080/", "http://a.example:8080/", "a.example", 0});
  expect_normalized({"www.example.com/x", "http://www.example.com/x", "www.example.com", F(UrlFlag::SchemeLess)});
  expect_normalized({"//cdn.example/x.js", "http://cdn.example/x.js", "cdn.example", F(UrlFlag::SchemeLess)});
  EXPECT_FALSE(normalize_url("http://a.example:99999/").has_value());
  EXPECT_FALSE(normalize_url("http://a.example:8o/").has_value());
}

TEST(NormalizeUrl, Defanged) {
  const uint16_t d = F(UrlFlag::Defanged);
  expect_normalized({"hxxp://evil.example/x", "http://evil.example/x", "evil.example", d});
  expect_normalized({"hxxps://evil.example/", "https://evil.example/", "evil.example", d});
  expect_normalized({"http://evil[.]example/", "http://evil.example/", "evil.example", d});
  expect_normalized({"http://evil(.)example", "http://evil.example/", "evil.example", d});
  expect_normalized({"http[:]//evil.example/", "http://evil.example/", "evil.example", d});
  expect_normalized({"hXXp://evil[dot]example[:]8080/", "http://evil.example:8080/", "evil.example", d});
  expect_normalized({"www[.]evil[.]example", "http://www.evil.example/", "www.evil.example",
                     static_cast<uint16_t>(d | F(UrlFlag::SchemeLess))});
}

TEST(NormalizeUrl, UserInfoAndBackslash) {
  expect_normalized({"http://trusted.example@evil.example/", "http://evil.example/", "evil.example", F(UrlFlag::UserInfo)});
  expect_normalized({"http://a@b@evil.example:81/", "http://evil.example:81/", "evil.example", F(UrlFlag::UserInfo)});
  expect_normalized({"http:\\\\evil.example\\x", "http://evil.example/x", "evil.example", F(UrlFlag::Backslash)});
  expect_normalized({"http:/\\evil.example/a\\b", "http://evil.example/a/b", "evil.example", F(UrlFlag::Backslash)});
}

TEST(NormalizeUrl, NumericHosts) {
  const uint16_t n = F(UrlFlag::NumericHost);
  expect_normalized({"http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1", n});
  expect_normalized({"http://2130706433/", "http://127.0.0.1/", "127.0.0.1", n});
  expect_normalized({"http://017700000001/", "http://127.0.0.1/", "127.0.0.1", n});
  expect_normalized({"http://0x7F.0.0.01/a", "http://127.0.0.1/a", "127.0.0.1", n});
  expect_normalized({"http://127.1/", "http://127.0.0.1/", "127.0.0.1", n});
  expect_normalized({"http://10.0.0.1/", "http://10.0.0.1/", "10.0.0.1", 0});
  expect_normalized({"http://10.0.0.1./", "http://10.0.0.1/", "10.0.0.1", 0});
  EXPECT_FALSE(normalize_url("http://256.0.0.1/").has_value());
  EXPECT_FALSE(normalize_url("http://1.2.3.4.5/").has_value());
  EXPECT_FALSE(normalize_url("http://4294967296/").has_value());
  EXPECT_FALSE(normalize_url("http://09.1.1.1/").has_value());  // 9 is no octal digit
  expect_normalized({"http://host1.example/", "http://host1.example/", "host1.example", 0});
}

TEST(NormalizeUrl, PercentEncodedHostAndPath) {
  expect_normalized({"http://%65vil.example/", "http://evil.example/", "evil.example", F(UrlFlag::PercentEncodedHost)});
  expect_normalized({"http://%45VIL%2eexample/", "http://evil.example/", "evil.example", F(UrlFlag::PercentEncodedHost)});
  // Unreserved escapes decoded, others kept with upper-case hex.
  expect_normalized({"http://a.example/%7euser/%2f%41?q=%3d%61", "http://a.example/~user/%2FA?q=%3Da", "a.example", 0});
  expect_normalized({"http://a.example/a b\"", "http://a.example/a%20b%22", "a.example", 0});
  expect_normalized({"http://a.example/a/./b/../c/%2e%2e/d", "http://a.example/a/d", "a.example", 0});
  expect_normalized({"http://a.example/../../x", "http://a.example/x", "a.example", 0});
  EXPECT_FALSE(normalize_url("http://evil%zz.example/").has_value());
}

TEST(NormalizeUrl, InternationalHosts) {
  const uint16_t p = F(UrlFlag::Punycode);
  expect_normalized({"http://xn--mnchen-3ya.example/", "http://xn--mnchen-3ya.example/", "xn--mnchen-3ya.example", p});
  expect_normalized({"http://m\xC3\xBCnchen.example/", "http://xn--mnchen-3ya.example/", "xn--mnchen-3ya.example", p});
  expect_normalized({"http://b\xC3\xBC" "cher.example/", "http://xn--bcher-kva.example/", "xn--bcher-kva.example", p});
  // Ideographic full stop separates labels, as UTS 46 maps it.
  expect_normalized({"http://evil\xE3\x80\x82" "example/", "http://evil.example/", "evil.example", 0});
  EXPECT_FALSE(normalize_url("http://bad\xC3.example/").has_value());
}

TEST(NormalizeUrl, RejectsNonWebAndBrokenCandidates) {
  for (const char* bad : {"data:text/html;base64,PHNjcmlwdD4=", "javascript:alert(1)", "mailto:a@b.example",
                          "/relative/path", "http://", "http://[.]/", "http://a<b.example/",
                          "http://[zz::1]/", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(normalize_url(bad).has_value());
  }
  // Any run of slashes after a web scheme is skipped, as browsers do.
  expect_normalized({"http:///x", "http://x/", "x", 0});
  expect_normalized({"http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/", "[2001:db8::1]", 0});
}

// Arbitrary bytes after a scheme: never a crash, and any result keeps the
// canonical shape "scheme://host..." with a lowercase ASCII host.
TEST(NormalizeUrl, ArbitraryBytesKeepTheCanonicalShape) {
  static constexpr std::string_view kPrefixes[] = {"http://", "HXXPS[:]//", "ftp:\\\\", "www.", "//", ""};
  uint32_t seed = 777;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;  // deterministic LCG: reproducible failures
    return seed >> 8;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string candidate(kPrefixes[next() % std::size(kPrefixes)]);
    const uint32_t length = next() % 24;
    for (uint32_t i = 0; i < length; ++i) {
      // Bias towards bytes that matter to URL syntax.
      static constexpr std::string_view kSyntax = "./\\:@%[]()?#0x19aZ";
      candidate += (next() % 2 == 0) ? kSyntax[next() % kSyntax.size()] : static_cast<char>(next() & 0xFF);
    }
    const auto url = normalize_url(candidate);
    if (!url) continue;
    SCOPED_TRACE(candidate);
    const size_t scheme_end = url->normalized.find("://");
    ASSERT_NE(scheme_end, std::string::npos);
    const std::string_view scheme = std::string_view(url->normalized).substr(0, scheme_end);
    EXPECT_TRUE(scheme == "http" || scheme == "https" || scheme == "ftp");
    EXPECT_EQ(url->normalized.compare(scheme_end + 3, url->host.size(), url->host), 0);
    EXPECT_FALSE(url->host.empty());
    for (char c : url->host) EXPECT_FALSE((c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80);
  }
}

TEST(NormalizeUrl, FlagNames) {
  EXPECT_STREQ(url_flag_name(UrlFlag::Defanged), "defanged");
  EXPECT_STREQ(url_flag_name(UrlFlag::HtmlEntity), "html_entity");
  EXPECT_STREQ(url_flag_name(UrlFlag::PercentEncodedHost), "percent_encoded_host");
  EXPECT_STREQ(url_flag_name(UrlFlag::NumericHost), "numeric_host");
  EXPECT_STREQ(url_flag_name(UrlFlag::UserInfo), "user_info");
  EXPECT_STREQ(url_flag_name(UrlFlag::Backslash), "backslash");
  EXPECT_STREQ(url_flag_name(UrlFlag::Punycode), "punycode");
  EXPECT_STREQ(url_flag_name(UrlFlag::Truncated), "truncated");
  EXPECT_STREQ(url_flag_name(UrlFlag::SchemeLess), "scheme_less");
  EXPECT_STREQ(url_flag_name(static_cast<UrlFlag>(3)), "unknown");
}

}  // namespace
}  // namespace sluice::url
