// ViewScan's URL extraction inside archives (THREATS MIME-14): the hyperlinks of Office Open XML documents (the
// relationship part's Target="..." TargetMode="External"), ODF xlink:href, markup members found by content whatever
// their name, and PDFs inside a zip (their compressed object streams too) reach the record and the url-filter
// verdict; relative relationship targets are not URLs. Documents are zips built in-test (tests/unit/archive's
// ZipWriter), stored and deflated; the message goes through the real MessageInspector in several chunkings.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "scan/inspector/message_inspector.h"
#include "tests/unit/archive/archive_test_support.h"

namespace sluice::scan {
namespace {

using archive::test::Method;
using archive::test::ZipWriter;

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
    if ((i / 3 + 1) % 19 == 0) out += "\r\n";
  }
  return out;
}

std::string mail_with(std::string_view name, std::string_view bytes) {
  return "From: a@ext.example\r\nSubject: doc\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n\r\nplease see the attachment\r\n"
         "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"" + std::string(name) + "\"\r\n\r\n" + base64(bytes) +
         "\r\n--b--\r\n";
}

std::string docx(std::string_view hyperlink_target, Method method) {
  ZipWriter zip;
  zip.add("[Content_Types].xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
          "content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>",
          method);
  zip.add("word/document.xml",
          "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:hyperlink r:id=\"rId4\"><w:r><w:t>Your invoice"
          "</w:t></w:r></w:hyperlink></w:p></w:body></w:document>",
          method);
  zip.add("word/_rels/document.xml.rels",
          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships><Relationship Id=\"rId1\" "
          "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" "
          "Target=\"media/image1.png\"/><Relationship Id=\"rId4\" "
          "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"" +
              std::string(hyperlink_target) + "\" TargetMode=\"External\"/></Relationships>",
          method);
  return zip.finish();
}

std::string odt(std::string_view href) {
  ZipWriter zip;
  zip.add("mimetype", "application/vnd.oasis.opendocument.text", Method::Stored);
  zip.add("content.xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content><office:body><office:text><text:p>"
          "<text:a xlink:type=\"simple\" xlink:href=\"" + std::string(href) + "\">pay here</text:a></text:p>"
          "</office:text></office:body></office:document-content>",
          Method::Deflate);
  return zip.finish();
}

std::string deflate(std::string_view data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()), data.size(), 9);
  out.resize(size);
  return out;
}

std::string pdf_with_compressed_link(std::string_view url) {
  const std::string body = deflate("5 0 << /Type /Annot /Subtype /Link /A << /S /URI /URI (" + std::string(url) +
                                   ") >> >>");
  return "%PDF-1.7\n4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length " +
         std::to_string(body.size()) + " >>\nstream\n" + body + "\nendstream\nendobj\ntrailer << >>\n%%EOF\n";
}

struct Inspected {
  MessageRecord record;
  std::vector<std::string> urls;
  std::string listed;
};

Inspected inspect(const std::string& mail, size_t chunk) {
  control::Policy policy;
  policy.attachment_filter.enabled = false;
  std::string error;
  auto snapshot = build_policy_snapshot(policy, &error);
  EXPECT_NE(snapshot, nullptr) << error;
  const_cast<url::UrlLists&>(snapshot->url_lists).add_domain("evil.example");
  engine::Scratch scratch(*snapshot->database);
  MessageInspector inspector(*snapshot, scratch);
  Inspected out;
  inspector.begin(&out.record);
  for (size_t off = 0; off < mail.size(); off += chunk) inspector.feed(std::string_view(mail).substr(off, chunk));
  smtp::MessageEnd end;
  end.complete = true;
  end.size = mail.size();
  inspector.finish(end);
  for (const UrlRecord& u : out.record.urls) {
    out.urls.push_back(u.url);
    if (!u.listed.empty()) out.listed = u.listed;
  }
  return out;
}

bool has(const std::vector<std::string>& urls, std::string_view url) {
  return std::find(urls.begin(), urls.end(), url) != urls.end();
}

TEST(ViewScanOfficeUrls, DocxExternalHyperlinkIsFoundAndListed) {
  for (Method method : {Method::Stored, Method::Deflate}) {
    for (size_t chunk : {1u, 7u, 1460u}) {
      const Inspected r = inspect(mail_with("invoice.docx", docx("https://evil.example/pay?a=1&amp;b=2", method)), chunk);
      EXPECT_TRUE(has(r.urls, "https://evil.example/pay?a=1&b=2")) << ::testing::PrintToString(r.urls);
      EXPECT_EQ(r.listed, "evil.example");
      EXPECT_EQ(r.record.verdict.action, control::Action::Reject) << "chunk " << chunk;
    }
  }
}

TEST(ViewScanOfficeUrls, RelativeTargetsAndNamespacesAreNotMistakenForListedLinks) {
  const Inspected r = inspect(mail_with("report.docx", docx("https://good.example/", Method::Deflate)), 1460);
  EXPECT_TRUE(has(r.urls, "https://good.example/")) << ::testing::PrintToString(r.urls);
  for (const std::string& u : r.urls) EXPECT_EQ(u.find("image1.png"), std::string::npos) << u;
  EXPECT_EQ(r.listed, "");
  EXPECT_EQ(r.record.verdict.action, control::Action::Pass);
}

TEST(ViewScanOfficeUrls, OdtXlinkHrefIsFoundAndListed) {
  for (size_t chunk : {1u, 1460u}) {
    const Inspected r = inspect(mail_with("letter.odt", odt("http://www.evil.example/odt")), chunk);
    EXPECT_TRUE(has(r.urls, "http://www.evil.example/odt")) << ::testing::PrintToString(r.urls);
    EXPECT_EQ(r.record.verdict.action, control::Action::Reject);
  }
}

TEST(ViewScanOfficeUrls, MarkupMemberIsFoundByContentWhateverItsName) {
  // [Content_Types].xml may map any part name to an XML type: a part named .bin is still read when it is markup.
  ZipWriter zip;
  zip.add("word/document.bin", "\xEF\xBB\xBF \r\n<w:instrText> HYPERLINK \"http://evil.example/field\" </w:instrText>",
          Method::Deflate);
  zip.add("word/media/image1.png", "\x89PNG\r\n\x1a\n www.evil.example/not-markup", Method::Stored);
  const Inspected r = inspect(mail_with("field.docx", zip.finish()), 3);
  EXPECT_TRUE(has(r.urls, "http://evil.example/field")) << ::testing::PrintToString(r.urls);
  EXPECT_FALSE(has(r.urls, "http://www.evil.example/not-markup")) << "binary members are not read for URLs";
}

TEST(ViewScanOfficeUrls, PdfInsideAZipHasItsCompressedLinksRead) {
  ZipWriter zip;
  zip.add("statements/march.pdf", pdf_with_compressed_link("http://evil.example/zipped-pdf"), Method::Deflate);
  const std::string zipped = zip.finish();
  for (size_t chunk : {5u, 1460u}) {
    const Inspected r = inspect(mail_with("statements.zip", zipped), chunk);
    EXPECT_TRUE(has(r.urls, "http://evil.example/zipped-pdf")) << ::testing::PrintToString(r.urls);
    EXPECT_EQ(r.record.verdict.action, control::Action::Reject);
  }
}

TEST(ViewScanOfficeUrls, AttachedPdfObjectStreamLinkIsListed) {
  const Inspected r = inspect(mail_with("invoice.pdf", pdf_with_compressed_link("https://evil.example/objstm")), 11);
  EXPECT_TRUE(has(r.urls, "https://evil.example/objstm")) << ::testing::PrintToString(r.urls);
  EXPECT_EQ(r.record.verdict.action, control::Action::Reject);
}

}  // namespace
}  // namespace sluice::scan
