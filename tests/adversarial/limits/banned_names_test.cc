// tests/adversarial/limits/banned_names_test.cc — THREATS.md MIME-8 through the live relay: `config attachment-filter`
// applied to every candidate name of every part (Content-Type name=, Content-Disposition filename=, RFC 2231
// continuations in either order and the charset form, RFC 2047 in a parameter, RTLO, trailing dot and space, %00,
// a 1,000-character name, uuencode and archive member names). Each row is sent twice:
//   - with a banned extension: `550 5.7.1 Message rejected: attachment-filter:<ext>:<name> …`, the record carries
//     the same reason, and the backend stores nothing;
//   - the same shape with an allowed extension: the backend's own 250 relayed, delivered byte for byte.
// The payload is harmless and `ambiguity-action pass` is set, so the name policy alone decides (the forms' MIME
// flags are mime_evasions_test.cc's). Then the list and the action are changed in the configuration text and the
// change takes effect. Every setting a row depends on is written out.
// May call: the conversation harness, mime_messages.h, the archive builders of tests/unit/archive.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/unit/archive/archive_test_support.h"

namespace sluice::testing {
namespace {

const std::string kBenign = "quarterly figures, nothing in this attachment is harmful to anyone";

// ---- configuration --------------------------------------------------------------------------------------------

constexpr const char* kDefaultList =
    "exe com scr pif bat cmd cpl msi msp mst msc hta js jse vbs vbe wsf wsh wsc sct ps1 lnk jar reg chm xll appx "
    "msix iso img vhd vhdx";

struct Filter {
  std::string status = "enable";
  std::string list = kDefaultList;
  std::string action = "reject";
  std::string archive_entries = "enable";
  std::string truncated_name_action = "reject";
  std::string max_filename_length = "255";
  std::string executable_content = "enable";
  std::string disk_image_content = "enable";
};

std::string config(const Filter& f) {
  return limits_config(
      {.protocol_options = "  set hold-limit 1024\n  set oversize-limit 10\n  set max-line-length 8192\n"
                           "  set long-line-action pass\n  set bare-newline normalize\n",
       .mime_limits = "  set max-depth 20\n  set max-parts 1000\n  set max-header-size 102400\n"
                      "  set max-filename-length " + f.max_filename_length + "\n  set ambiguity-action pass\n",
       .archive = "  set max-depth 5\n  set max-entries 1000\n  set max-name-length 1024\n  set bomb-action reject\n",
       .extra = "config antivirus\n  set builtin-eicar enable\n  set action reject\nend\n"
                "config attachment-filter\n  set status " + f.status + "\n  set banned-extensions " + f.list +
                "\n  set action " + f.action + "\n  set archive-entries " + f.archive_entries +
                "\n  set truncated-name-action " + f.truncated_name_action + "\n  set executable-content " +
                f.executable_content + "\n  set disk-image-content " + f.disk_image_content + "\nend\n"});
}

struct Outcome {
  std::string reply;
  std::vector<std::string> delivered;   // the backend's messages (still dot-stuffed)
  bool backend_in_data = false;         // the backend was handed a DATA whose end never came
  std::vector<std::string> reasons;     // the record's verdict reasons
};

Outcome send_message(const std::string& content, const Filter& filter = {}) {
  RelayConversation c(config(filter));
  Outcome o;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return o;
  o.reply = c.exchange(dot_stuffed(content) + ".\r\n", 60);
  c.settle(0.05);
  o.delivered = c.backend().messages;
  o.backend_in_data = c.backend().in_data || !c.backend().partial.empty();
  if (!c.records().empty()) o.reasons = c.records().back().verdict.reasons;
  return o;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& e : v) s += e + " ";
  return s;
}

void expect_refused(const Outcome& o, const std::string& reason, const std::string& row) {
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: ")) << row << ": " << o.reply;
  EXPECT_NE(std::find(o.reasons.begin(), o.reasons.end(), reason), o.reasons.end())
      << row << ": want " << reason << ", got " << joined(o.reasons);
  EXPECT_TRUE(o.delivered.empty()) << row << ": the backend stored " << (o.delivered.empty() ? "" : o.delivered[0]);
  EXPECT_FALSE(o.backend_in_data) << row;
}

void expect_delivered(const Outcome& o, const std::string& content, const std::string& row) {
  EXPECT_EQ(o.reply, "250 2.0.0 Ok: queued as 1\r\n") << row << ": " << joined(o.reasons);
  ASSERT_EQ(o.delivered.size(), 1u) << row;
  EXPECT_EQ(o.delivered[0], as_relayed(content)) << row;   // canonical line ends, dot-stuffed
}

// ---- message shapes -------------------------------------------------------------------------------------------

constexpr std::string_view kTop = "From: <a@client.example>\r\nTo: <b@mx.example>\r\nSubject: names\r\nMIME-Version: 1.0\r\n";

std::string named_attachment(const std::string& type_params, const std::string& disposition_params,
                             const std::string& payload = kBenign) {
  return std::string(kTop) + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
         "\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream" + type_params +
         "\r\nContent-Disposition: attachment" + disposition_params +
         "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(payload) + "--b--\r\n";
}

// Turns a banned row into its allowed twin: the same bytes with each spelling of "exe" (plain, upper case, the
// base64 of "evil.exe" in the RFC 2047 word) replaced by "pdf".
std::string allowed_twin(std::string s) {
  const std::pair<std::string, std::string> swaps[] = {{"ZXZpbC5leGU=", "ZXZpbC5wZGY="}, {"exe", "pdf"}, {"EXE", "PDF"}};
  for (const auto& [from, to] : swaps) {
    for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, from.size(), to);
  }
  return s;
}

struct Row {
  const char* name;
  std::string type_params, disposition_params;
  std::string reason;   // what the banned form's record and reply carry
};

std::vector<Row> mime8_rows() {
  const std::string long_name = std::string(1000, 'n') + ".exe";
  return {
      {"NamePngFilenameExe", "; name=\"a.png\"", "; filename=\"a.exe\"", "attachment-filter:exe:a.exe"},
      {"NameExeFilenamePng", "; name=\"a.exe\"", "; filename=\"a.png\"", "attachment-filter:exe:a.exe"},
      {"DuplicateFilenameExeFirst", "", "; filename=\"a.exe\"; filename=\"a.txt\"", "attachment-filter:exe:a.exe"},
      {"DuplicateFilenameExeLast", "", "; filename=\"a.txt\"; filename=\"a.exe\"", "attachment-filter:exe:a.exe"},
      {"Rfc2231Continuations", "", "; filename*0=\"ev\"; filename*1=\"il.exe\"", "attachment-filter:exe:evil.exe"},
      {"Rfc2231OutOfOrder", "", "; filename*1=\"il.exe\"; filename*0=\"ev\"", "attachment-filter:exe:evil.exe"},
      {"Rfc2231Charset", "", "; filename*=UTF-8''%65vil%2Eexe", "attachment-filter:exe:evil.exe"},
      {"Rfc2231CharsetInName", "; name*=UTF-8''%65vil%2Eexe", "", "attachment-filter:exe:evil.exe"},
      {"Rfc2047InParameter", "", "; filename=\"=?utf-8?B?ZXZpbC5leGU=?=\"", "attachment-filter:exe:evil.exe"},
      {"Rtlo", "", "; filename=\"inv\xE2\x80\xAE" "fdp.exe\"", "attachment-filter:exe:inv_fdp.exe"},
      {"TrailingDot", "", "; filename=\"evil.exe.\"", "attachment-filter:exe:evil.exe."},
      {"TrailingSpace", "", "; filename=\"evil.exe \"", "attachment-filter:exe:evil.exe "},
      {"PercentNulBeforePdf", "", "; filename=\"evil.exe%00.pdf\"", "attachment-filter:exe:evil.exe%00.pdf"},
      {"Rfc2231NulBeforePdf", "", "; filename*=utf-8''evil.exe%00.pdf", "attachment-filter:exe:evil.exe_.pdf"},
      {"UpperCase", "; name=\"EVIL.EXE\"", "; filename=\"EVIL.EXE\"", "attachment-filter:exe:EVIL.EXE"},
      {"ThousandCharacterName", "", "; filename=\"" + long_name + "\"",
       "attachment-filter:exe:..." + long_name.substr(long_name.size() - 64)},
  };
}

// The 1,000-character row needs its name kept whole (mime max-filename-length 4096) for its extension to be read;
// under the default 255 it is cut, and truncated-name-action decides (below).
Filter filter_for(const Row& row) {
  Filter f;
  if (std::string_view(row.name) == "ThousandCharacterName") f.max_filename_length = "4096";
  return f;
}

TEST(Mime8BannedNames, EveryFormWithABannedExtensionIsRefusedAndNothingStored) {
  for (const Row& row : mime8_rows()) {
    expect_refused(send_message(named_attachment(row.type_params, row.disposition_params), filter_for(row)),
                   row.reason, row.name);
  }
}

TEST(Mime8BannedNames, TheSameFormsWithAnAllowedExtensionAreDeliveredByteForByte) {
  for (const Row& row : mime8_rows()) {
    const std::string content = allowed_twin(named_attachment(row.type_params, row.disposition_params));
    expect_delivered(send_message(content, filter_for(row)), content, row.name);
  }
}

TEST(Mime8BannedNames, TheReplyNamesTheRuleAndTheNameInPrintableAsciiOnOneLine) {
  const Outcome o = send_message(named_attachment("", "; filename*=utf-8''a%0D%0A250%20ok.exe"));
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: attachment-filter:exe:a__250 ok.exe (id "))
      << o.reply;
  EXPECT_EQ(o.reply.find("\r\n"), o.reply.size() - 2) << "one reply line";
  EXPECT_TRUE(o.delivered.empty());
}

TEST(Mime8BannedNames, ANameCutAtMaxFilenameLengthTakesTruncatedNameAction) {
  const std::string exe = named_attachment("", "; filename=\"" + std::string(1000, 'n') + ".exe\"");
  const std::string pdf = allowed_twin(exe);
  expect_refused(send_message(exe), "attachment-filter:truncated", "exe, cut at 255");
  expect_refused(send_message(pdf), "attachment-filter:truncated", "pdf, cut at 255: its extension is unknown");
  Filter lenient;
  lenient.truncated_name_action = "pass";
  expect_delivered(send_message(pdf, lenient), pdf, "pdf, cut at 255, truncated-name-action pass");
}

TEST(Mime8BannedNames, UuencodeNamesAreCandidates) {
  const std::string content = std::string(kTop) + "Content-Type: text/plain\r\n\r\nsee attached\r\n" +
                              uuencode_block("invoice.exe", kBenign) + "bye\r\n";
  expect_refused(send_message(content), "attachment-filter:exe:invoice.exe", "uuencode");
  const std::string twin = allowed_twin(content);
  expect_delivered(send_message(twin), twin, "uuencode, allowed");
}

TEST(Mime8BannedNames, ArchiveMemberNamesAreCandidates) {
  using archive::test::gzip_member;
  using archive::test::zip_of;
  const auto mail = [](const std::string& archive_name, const std::string& bytes) {
    return message_with_attachment(archive_name, "application/octet-stream", bytes);
  };
  const std::string in_zip = mail("invoice.zip", zip_of("docs/invoice.pdf.js", kBenign));
  expect_refused(send_message(in_zip), "attachment-filter:js:docs/invoice.pdf.js", "zip member");
  const std::string in_gzip = mail("invoice.gz", gzip_member(kBenign, "invoice.scr"));
  expect_refused(send_message(in_gzip), "attachment-filter:scr:invoice.scr", "gzip FNAME");
  const std::string nested = mail("outer.zip", zip_of("inner.zip", zip_of("run.bat", kBenign)));
  expect_refused(send_message(nested), "attachment-filter:bat:run.bat", "zip in zip");
  const std::string allowed = mail("invoice.zip", zip_of("docs/invoice.pdf", kBenign));
  expect_delivered(send_message(allowed), allowed, "zip member, allowed");
  Filter members_ignored;
  members_ignored.archive_entries = "disable";
  expect_delivered(send_message(in_zip, members_ignored), in_zip, "zip member, archive-entries disable");
}

TEST(Mime8BannedNames, AListChangeInTheConfigurationTakesEffect) {
  const std::string exe = named_attachment("", "; filename*0=\"ev\"; filename*1=\"il.exe\"");
  const std::string pdf = allowed_twin(exe);
  Filter pdf_only;
  pdf_only.list = ".PDF";
  expect_delivered(send_message(exe, pdf_only), exe, "exe, list pdf only");
  expect_refused(send_message(pdf, pdf_only), "attachment-filter:pdf:evil.pdf", "pdf, list pdf only");
  Filter tagged;
  tagged.action = "pass";   // logged, delivered: the reason stays on the record
  const Outcome logged = send_message(exe, tagged);
  expect_delivered(logged, exe, "exe, action pass");
  EXPECT_EQ(logged.reasons, std::vector<std::string>{"attachment-filter:exe:evil.exe"});
  Filter off;
  off.status = "disable";
  const Outcome unchecked = send_message(exe, off);
  expect_delivered(unchecked, exe, "exe, status disable");
  EXPECT_TRUE(unchecked.reasons.empty()) << joined(unchecked.reasons);
}

// ---- the type the content says, whatever the name says (executable-content, disk-image-content) -----------------

// A PE file's first bytes: MZ and a DOS header (its small counts put NULs in the first 16 bytes), then harmless text.
const std::string kPeStart = std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", 16) + kBenign;

TEST(Mime8ContentTypes, AnExecutableNamedAsADocumentIsRefusedByItsContent) {
  const std::string pe_as_pdf = named_attachment("; name=\"invoice.pdf\"", "; filename=\"invoice.pdf\"", kPeStart);
  expect_refused(send_message(pe_as_pdf), "attachment-filter:content:pe:invoice.pdf", "PE named .pdf");
  const std::string elf_as_txt = named_attachment("", "; filename=\"notes.txt\"", std::string("\x7f" "ELF\x02\x01\x01\x00", 8) + kBenign);
  expect_refused(send_message(elf_as_txt), "attachment-filter:content:elf:notes.txt", "ELF named .txt");
  using archive::test::zip_of;
  const std::string in_zip = message_with_attachment("docs.zip", "application/octet-stream", zip_of("scan.pdf", kPeStart));
  expect_refused(send_message(in_zip), "attachment-filter:content:pe:scan.pdf", "PE named .pdf in a zip");
  // Text that happens to start with the letters MZ is not an executable.
  const std::string mz_text = named_attachment("", "; filename=\"itinerary.txt\"", "MZ Travel: " + kBenign);
  expect_delivered(send_message(mz_text), mz_text, "text starting with MZ");
  Filter allowed;
  allowed.executable_content = "disable";
  expect_delivered(send_message(pe_as_pdf, allowed), pe_as_pdf, "PE named .pdf, executable-content disable");
}

TEST(Mime8ContentTypes, ADiskImageUnderAnyNameIsRefusedByItsContent) {
  // A dynamic VHD begins with a copy of its footer; a FAT volume image with its boot sector. Neither name is listed.
  const std::string vhd = named_attachment("", "; filename=\"backup.dat\"",
                                           std::string("conectix\x00\x00\x00\x02\x00\x01\x00\x00", 16) + kBenign);
  expect_refused(send_message(vhd), "attachment-filter:content:disk-image:backup.dat", "VHD named .dat");
  const std::string fat = named_attachment("", "; filename=\"photos.bin\"",
                                           std::string("\xeb\x3c\x90mkfs.fat\x00\x02\x04\x01\x00\x02", 16) + kBenign);
  expect_refused(send_message(fat), "attachment-filter:content:disk-image:photos.bin", "FAT image named .bin");
  Filter allowed;
  allowed.disk_image_content = "disable";
  expect_delivered(send_message(vhd, allowed), vhd, "VHD, disk-image-content disable");
}

}  // namespace
}  // namespace sluice::testing
