// tests/adversarial/limits/url_evasions_test.cc — THREATS.md MIME-14 (URL extraction evasions) through the live relay:
// each disguise of a listed domain in a message is canonicalised, found in `config url-filter` `domain-lists` and
// refused (550 5.7.1, `url:<entry>`), and the backend gets no message; the benign twin is delivered byte for byte.
// May call: the conversation harness, mime_messages.h, the file system (one list file in the temp directory).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"

namespace sluice::testing {
namespace {

// The domain list, written once for the suite and removed after it.
class UrlList {
 public:
  UrlList() {
    char name[] = "/tmp/sluice-mime14-XXXXXX";
    const int fd = mkstemp(name);
    path_ = name;
    const std::string entries = "evil.example\n127.0.0.1\nxn--bcher-kva.example\n";
    if (fd >= 0) {
      (void)!write(fd, entries.data(), entries.size());
      close(fd);
    }
  }
  ~UrlList() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Sent {
  std::string reply;
  size_t delivered = 0;
  std::string delivered_content;
};

Sent send_message(const std::string& content) {
  static const UrlList list;
  RelayConversation c(limits_config({.url_filter = "  set domain-lists \"" + list.path() + "\"\n  set action reject\n"
                                                   "  set max-url-length 2048\n  set max-urls-per-part 256\n"}));
  Sent s;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return s;
  s.reply = c.exchange(content + ".\r\n", 30);
  c.settle(0.05);
  s.delivered = c.backend().messages.size();
  if (s.delivered > 0) s.delivered_content = c.backend().messages[0];
  return s;
}

std::string html(std::string_view markup) { return single_part_message("text/html; charset=utf-8", "7bit", markup); }

struct Evasion {
  const char* name;
  std::string content;
  const char* entry;   // the list entry it must match
};

std::vector<Evasion> evasions() {
  return {
      {"HtmlEntityInScheme", html("<a href=\"&#104;ttp://evil.example/login\">bank</a>"), "evil.example"},
      {"QpSoftBreakInsideTheHost",
       single_part_message("text/html", "quoted-printable", "<a href=3D\"http://ev=\r\nil.example/login\">bank</a>"),
       "evil.example"},
      {"Base64Html", single_part_message("text/html", "base64", base64_lines("<a href=\"http://evil.example/x\">x</a>")),
       "evil.example"},
      {"UserinfoBeforeTheRealHost", html("<a href=\"http://trusted.example@evil.example/\">x</a>"), "evil.example"},
      {"BackslashesForSlashes", html("<a href=\"http:\\\\evil.example\\login\">x</a>"), "evil.example"},
      {"HexDottedIpv4", html("<a href=\"http://0x7f.1/\">x</a>"), "127.0.0.1"},
      {"DecimalIpv4", html("<a href=\"http://2130706433/\">x</a>"), "127.0.0.1"},
      {"OctalIpv4", html("<a href=\"http://017700000001/\">x</a>"), "127.0.0.1"},
      {"IdnHostMatchesItsPunycode", html("<a href=\"http://b\xC3\xBC" "cher.example/\">x</a>"),
       "xn--bcher-kva.example"},
      {"BaseHref", html("<base href=\"http://evil.example/\"><a href=\"login\">x</a>"), "evil.example"},
      {"MetaRefresh", html("<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/\">"), "evil.example"},
      {"Srcset", html("<img srcset=\"http://ok.example/a.png 1x, http://evil.example/b.png 2x\">"), "evil.example"},
      {"CssUrl", html("<div style=\"background:url('http://evil.example/bg.png')\">x</div>"), "evil.example"},
      {"PlainTextUrl",
       single_part_message("text/plain", "7bit", "visit http://evil.example/account today\r\n"), "evil.example"},
  };
}

class Mime14UrlEvasions : public ::testing::TestWithParam<Evasion> {};

TEST_P(Mime14UrlEvasions, ListedDomainIsFoundAndTheMessageRefused) {
  const Sent s = send_message(GetParam().content);
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 Message rejected: ")) << s.reply;
  EXPECT_NE(s.reply.find(std::string("url:") + GetParam().entry), std::string::npos) << s.reply;
  EXPECT_EQ(s.delivered, 0u) << "the backend stored nothing";
}

INSTANTIATE_TEST_SUITE_P(Threats, Mime14UrlEvasions, ::testing::ValuesIn(evasions()),
                         [](const ::testing::TestParamInfo<Evasion>& info) { return std::string(info.param.name); });

TEST(Mime14UrlEvasionsTwin, UnlistedLinksOfEveryShapeAreDeliveredByteForByte) {
  const std::string content =
      html("<a href=\"&#104;ttp://good.example/\">a</a><a href=\"http://evil.example.good.example@good.example/\">b"
           "</a><img srcset=\"http://good.example/a.png 1x\"><a href=\"http://0x7f.2/\">c</a>");
  const Sent s = send_message(content);
  EXPECT_EQ(s.reply, "250 2.0.0 Ok: queued as 1\r\n");
  ASSERT_EQ(s.delivered, 1u);
  EXPECT_EQ(s.delivered_content, content);
}

TEST(Mime14UrlEvasionsGaps, UrlWrappedAcrossLinesInPlainText) {
  // THREATS MIME-14 "URLs wrapped across lines in text/plain": MUAs join `<http://evil.exa\r\n mple/>` (RFC 3986
  // appendix C, URLs in angle brackets may be wrapped); so does the extractor (url max-url-continuation-lines).
  const Sent s = send_message(single_part_message("text/plain", "7bit", "see <http://evil.exa\r\n  mple/login>\r\n"));
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 ")) << s.reply;
  EXPECT_EQ(s.delivered, 0u);
}

TEST(Mime14UrlEvasionsGaps, UrlInsidePdfAttachment) {
  // THREATS MIME-14: a link annotation in a PDF attachment (url::PdfUrlScanner, by content). Still open: links in
  // compressed PDF streams, and Office attachments.
  const std::string pdf =
      "%PDF-1.4\n1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (http://evil.example/pay) >> >>\nendobj\n"
      "trailer << /Root 1 0 R >>\n%%EOF\n";
  const Sent s = send_message(message_with_attachment("invoice.pdf", "application/pdf", pdf));
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 ")) << s.reply;
  EXPECT_EQ(s.delivered, 0u);
}

}  // namespace
}  // namespace sluice::testing
