// tests/adversarial/limits/url_evasions_test.cc — THREATS.md MIME-14 (URL extraction evasions) through the live relay:
// each disguise of a listed domain in a message is canonicalised, found in `config url-filter` `domain-lists` and
// refused (550 5.7.1, `url:<entry>`), and the backend gets no message; the benign twin is delivered byte for byte.
// Links inside attachments too: a PDF's compressed object stream, a docx's relationship part, an ODT's xlink:href
// (documents built in-test: zlib and tests/unit/archive's ZipWriter).
// May call: the conversation harness, mime_messages.h, archive_test_support.h, zlib, the file system (one list file
// in the temp directory).
#include <gtest/gtest.h>
#include <zlib.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/unit/archive/archive_test_support.h"
#include "tests/unit/url/zlib_compress.h"

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

// extra: further configuration blocks, appended as written.
Sent send_message(const std::string& content, const std::string& extra = {}) {
  static const UrlList list;
  RelayConversation c(limits_config({.url_filter = "  set domain-lists \"" + list.path() + "\"\n  set action reject\n"
                                                   "  set max-url-length 2048\n  set max-urls-per-part 256\n",
                                     .extra = extra}));
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
  // THREATS MIME-14: a link annotation in a PDF attachment (url::PdfUrlScanner, by content).
  const std::string pdf =
      "%PDF-1.4\n1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (http://evil.example/pay) >> >>\nendobj\n"
      "trailer << /Root 1 0 R >>\n%%EOF\n";
  const Sent s = send_message(message_with_attachment("invoice.pdf", "application/pdf", pdf));
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 ")) << s.reply;
  EXPECT_EQ(s.delivered, 0u);
}


// ---- Links inside attached documents: compressed PDF streams, Office Open XML, ODF ----

using archive::test::Method;
using archive::test::ZipWriter;

using url::testing::zlib_compress;

// A PDF 1.5 whose only link annotation sits in a FlateDecode object stream, as modern writers produce it: the URL
// is nowhere in the file's own bytes.
std::string pdf_with_object_stream_link(std::string_view url) {
  const std::string objects = "5 0 6 95 << /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A 6 0 R >> << /S /URI "
                              "/URI (" + std::string(url) + ") >>";
  const std::string body = zlib_compress(objects);
  return "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
         "4 0 obj\n<< /Type /ObjStm /N 2 /First 8 /Filter /FlateDecode /Length " + std::to_string(body.size()) +
         " >>\nstream\r\n" + body + "\r\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

std::string docx_with_hyperlink(std::string_view url, Method method) {
  ZipWriter zip;
  zip.add("[Content_Types].xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Types xmlns=\"http://schemas."
          "openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/"
          "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
          "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
          "wordprocessingml.document.main+xml\"/></Types>",
          method);
  zip.add("word/document.xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:document xmlns:w=\"http://schemas."
          "openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:hyperlink r:id=\"rId5\"><w:r><w:t>"
          "View your invoice</w:t></w:r></w:hyperlink></w:p></w:body></w:document>",
          method);
  zip.add("word/_rels/document.xml.rels",
          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"http://schemas."
          "openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas."
          "openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.png\"/>"
          "<Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
          "hyperlink\" Target=\"" + std::string(url) + "\" TargetMode=\"External\"/></Relationships>",
          method);
  return zip.finish();
}

std::string odt_with_link(std::string_view url) {
  ZipWriter zip;
  zip.add("mimetype", "application/vnd.oasis.opendocument.text", Method::Stored);
  zip.add("content.xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content xmlns:office=\"urn:oasis:names:tc:"
          "opendocument:xmlns:office:1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><office:body><office:text>"
          "<text:p><text:a xlink:type=\"simple\" xlink:href=\"" + std::string(url) + "\">Pay now</text:a></text:p>"
          "</office:text></office:body></office:document-content>",
          Method::Deflate);
  zip.add("META-INF/manifest.xml", "<?xml version=\"1.0\"?><manifest:manifest/>", Method::Deflate);
  return zip.finish();
}

struct Document {
  const char* name;
  const char* filename;
  const char* content_type;
  std::string (*make)(std::string_view url);
  bool compressed_only;   // the link appears nowhere in the attachment's own bytes
};

std::vector<Document> documents() {
  return {
      {"PdfObjectStream", "invoice.pdf", "application/pdf", &pdf_with_object_stream_link, true},
      {"DocxStored", "invoice.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       [](std::string_view url) { return docx_with_hyperlink(url, Method::Stored); }, false},
      {"DocxDeflated", "invoice.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       [](std::string_view url) { return docx_with_hyperlink(url, Method::Deflate); }, true},
      {"Odt", "letter.odt", "application/vnd.oasis.opendocument.text", &odt_with_link, true},
  };
}

class Mime14DocumentLinks : public ::testing::TestWithParam<Document> {};

TEST_P(Mime14DocumentLinks, ListedDomainInsideTheDocumentIsRefused) {
  const Document& d = GetParam();
  const std::string bytes = d.make("https://evil.example/pay");
  if (d.compressed_only) {
    EXPECT_EQ(bytes.find("evil.example"), std::string::npos) << "the link exists only compressed";
  }
  const Sent s = send_message(message_with_attachment(d.filename, d.content_type, bytes));
  EXPECT_TRUE(s.reply.starts_with("550 5.7.1 Message rejected: ")) << s.reply;
  EXPECT_NE(s.reply.find("url:evil.example"), std::string::npos) << s.reply;
  EXPECT_EQ(s.delivered, 0u) << "the backend stored nothing";
}

TEST_P(Mime14DocumentLinks, UnlistedTwinIsDeliveredByteForByte) {
  const Document& d = GetParam();
  const std::string content = message_with_attachment(d.filename, d.content_type, d.make("https://good.example/pay"));
  const Sent s = send_message(content);
  EXPECT_EQ(s.reply, "250 2.0.0 Ok: queued as 1\r\n");
  ASSERT_EQ(s.delivered, 1u);
  EXPECT_EQ(s.delivered_content, content);
}

INSTANTIATE_TEST_SUITE_P(Threats, Mime14DocumentLinks, ::testing::ValuesIn(documents()),
                         [](const ::testing::TestParamInfo<Document>& info) { return std::string(info.param.name); });


TEST(Mime14DocumentLinksBudget, InflatingPastTheCycleBudgetStopsThereAndDefers) {
  // Three PDFs of about 20 KB whose FlateDecode streams inflate to 16 MiB of link-dense text each (url
  // max_pdf_inflated_bytes, the default; deflate's ratio is near 1000:1 here, so one relay feed holds megabytes):
  // reading one whole costs about a second of one worker. Scanning stops at the message's cycle budget (`config scan
  // budget` cycles-per-message, here ~0.1 s): after the feed that spent it, and inside a feed too (the inflater
  // checks the TSC deadline per 16 KiB window; unit test PastTheDeadlineNothingMoreIsInflated). The message is
  // deferred under scan-timeout-action tempfail; the backend stores nothing.
  std::string links;
  while (links.size() < (4u << 20)) links += "(http://a.example/x) Tj ";
  const std::string body = zlib_compress(links);
  std::string pdf = "%PDF-1.7\n";
  for (int i = 0; i < 4; ++i) pdf += "4 0 obj << /Filter /FlateDecode >>\nstream\n" + body + "\nendstream\nendobj\n";
  std::string content = "From: a@ext.example\r\nSubject: statements\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    content += "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
               "Content-Disposition: attachment; filename=\"s" + std::to_string(i) + ".pdf\"\r\n\r\n" +
               base64_lines(pdf);
  }
  content += "--b--\r\n";
  send_message(html("<p>warm-up</p>"));   // the process's first conversation also sets up DPDK: not timed here
  const auto start = std::chrono::steady_clock::now();
  const Sent s = send_message(content, "config scan budget\n  set cycles-per-message 300000000\n"
                                       "  set scan-timeout-action tempfail\nend\n");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ MIME-14  ] 3 PDFs x 16 MiB inflated link text (%zu bytes sent), cycles-per-message 3e8: %.3f s\n",
              content.size(), seconds);
  EXPECT_TRUE(s.reply.starts_with("451 4.7.1 ")) << s.reply;
  EXPECT_NE(s.reply.find("scan:timeout"), std::string::npos) << s.reply;
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_LT(seconds, 1.0) << "inflation went on past the budget";
}

}  // namespace
}  // namespace sluice::testing
