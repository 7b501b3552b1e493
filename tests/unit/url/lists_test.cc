// UrlLists: loading feeds and matching canonical URLs against them.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "scan/url/url_lists.h"

namespace sluice::url {
namespace {

// A list file under the test's temporary directory, removed afterwards.
class ListFile {
 public:
  explicit ListFile(const std::string& content)
      : path_(testing::TempDir() + "url_list_" + std::to_string(counter_++) + ".txt") {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~ListFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

Url url(std::string_view text) {
  auto normalized = normalize_url(text);
  EXPECT_TRUE(normalized.has_value()) << text;
  return normalized.value_or(Url{});
}

std::string matched(const UrlLists& lists, std::string_view text) {
  const auto m = lists.match(url(text));
  if (!m) return "-";
  return (m->by_domain ? "domain:" : "url:") + m->entry;
}

TEST(UrlLists, LoadsDomainFileWithCommentsBlanksAndCrlf) {
  ListFile file(
      "# URIBL sample\r\n"
      "\r\n"
      "evil.example\r\n"
      "  Bad.Example.   # trailing comment\r\n"
      "*.wild.example\n"
      "xn--mnchen-3ya.example\n"
      "b\xC3\xBC" "cher.example\n"
      "203.0.113.7\n"
      "   \n");
  UrlLists lists;
  std::string error;
  ASSERT_TRUE(lists.load_domain_file(file.path(), &error)) << error;
  EXPECT_EQ(lists.domain_count(), 6u);
  EXPECT_EQ(lists.url_count(), 0u);

  EXPECT_EQ(matched(lists, "http://evil.example/"), "domain:evil.example");
  EXPECT_EQ(matched(lists, "http://a.b.EVIL.example/x"), "domain:evil.example");
  EXPECT_EQ(matched(lists, "http://notevil.example/"), "-");
  EXPECT_EQ(matched(lists, "http://evil.example.org/"), "-");
  EXPECT_EQ(matched(lists, "http://bad.example/"), "domain:bad.example");
  EXPECT_EQ(matched(lists, "http://x.wild.example/"), "domain:wild.example");
  EXPECT_EQ(matched(lists, "http://m\xC3\xBCnchen.example/"), "domain:xn--mnchen-3ya.example");
  EXPECT_EQ(matched(lists, "http://shop.xn--bcher-kva.example/"), "domain:xn--bcher-kva.example");
  EXPECT_EQ(matched(lists, "http://0xCB.0.113.7/"), "domain:203.0.113.7");
  EXPECT_EQ(matched(lists, "http://hxxp.example/"), "-");
}

TEST(UrlLists, IpEntriesMatchOnlyThemselves) {
  UrlLists lists;
  ASSERT_TRUE(lists.add_domain("0.1"));  // the short IPv4 form of 0.0.0.1
  EXPECT_EQ(matched(lists, "http://0.0.0.1/"), "domain:0.0.0.1");
  EXPECT_EQ(matched(lists, "http://127.0.0.1/"), "-");
}

TEST(UrlLists, DomainFileErrorNamesFileAndLine) {
  ListFile file("good.example\n# fine\nbad domain.example\n");
  UrlLists lists;
  std::string error;
  EXPECT_FALSE(lists.load_domain_file(file.path(), &error));
  EXPECT_EQ(error, file.path() + ":3: invalid domain 'bad domain.example'");
  EXPECT_EQ(lists.domain_count(), 0u);  // all or nothing

  EXPECT_FALSE(lists.load_domain_file(file.path() + ".missing", &error));
  EXPECT_EQ(error, file.path() + ".missing: cannot open");
}

TEST(UrlLists, UrlEntriesMatchAtPathBoundaries) {
  ListFile file(
      "# phishing URLs\n"
      "http://evil.example/login\n"
      "phish.example/a/b/   # no scheme, trailing slash\n"
      "https://Kit.Example:8443/x?id=7\n"
      "http://frag.example/p#section\n");
  UrlLists lists;
  std::string error;
  ASSERT_TRUE(lists.load_url_file(file.path(), &error)) << error;
  EXPECT_EQ(lists.url_count(), 4u);

  EXPECT_EQ(matched(lists, "http://evil.example/login"), "url:evil.example/login");
  EXPECT_EQ(matched(lists, "https://evil.example/login/step2?x=1"), "url:evil.example/login");
  EXPECT_EQ(matched(lists, "http://evil.example/login?next=/"), "url:evil.example/login");
  EXPECT_EQ(matched(lists, "http://evil.example/loginx"), "-");
  EXPECT_EQ(matched(lists, "http://evil.example/"), "-");
  EXPECT_EQ(matched(lists, "http://sub.evil.example/login"), "-");
  EXPECT_EQ(matched(lists, "hxxp://phish[.]example/a/b/c.html"), "url:phish.example/a/b/");
  EXPECT_EQ(matched(lists, "http://phish.example/a/b"), "-");
  EXPECT_EQ(matched(lists, "https://kit.example:8443/x?id=7"), "url:kit.example:8443/x?id=7");
  EXPECT_EQ(matched(lists, "https://kit.example:8443/x?id=8"), "-");
  EXPECT_EQ(matched(lists, "http://frag.example/p"), "url:frag.example/p");
}

TEST(UrlLists, UrlEntryBeatsDomainEntry) {
  UrlLists lists;
  ASSERT_TRUE(lists.add_domain("example.net"));
  ASSERT_TRUE(lists.add_url("www.example.net/bad"));
  EXPECT_EQ(matched(lists, "http://www.example.net/bad/1"), "url:www.example.net/bad");
  EXPECT_EQ(matched(lists, "http://www.example.net/good"), "domain:example.net");
  EXPECT_FALSE(lists.add_url("javascript:alert(1)"));
  EXPECT_FALSE(lists.add_domain(""));
  EXPECT_FALSE(lists.add_domain("a/b.example"));
}

TEST(UrlLists, UrlFileErrorNamesFileAndLine) {
  ListFile file("http://ok.example/\r\nhttp://bad host.example/\r\n");
  UrlLists lists;
  std::string error;
  EXPECT_FALSE(lists.load_url_file(file.path(), &error));
  EXPECT_EQ(error, file.path() + ":2: invalid URL 'http://bad host.example/'");
  EXPECT_EQ(lists.url_count(), 0u);
}

}  // namespace
}  // namespace sluice::url
