// config attachment-filter (THREATS MIME-8): how a name's real extension is read (BannedNames), and the policy
// applied by the message inspector to every candidate name of every part and to archive members, through the real
// MIME parser, archive expander and verdict.
#include "scan/inspector/banned_names.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scan/inspector/message_inspector.h"

namespace sluice::scan {
namespace {

// ---- reading a name -------------------------------------------------------------------------------------------

BannedNames defaults() { return BannedNames(control::AttachmentFilterSettings{}); }

TEST(BannedNames, ReadsTheExtensionWindowsWouldSaveTheFileUnder) {
  const BannedNames banned = defaults();
  // The names as the MIME parser hands them over (decoded, controls and bidi marks already '_').
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"evil.exe", "exe"},
      {"EVIL.ExE", "exe"},           // case
      {"evil.exe.", "exe"},          // trailing dot
      {"evil.exe ", "exe"},          // trailing space
      {"evil.exe . .", "exe"},       // both, repeated
      {"inv_fdp.exe", "exe"},        // U+202E RTLO: displayed "invexe.pdf", really .exe
      {"evil.exe_.pdf", "exe"},      // RFC 2231 %00 before .pdf: a C-string reader stops at the NUL
      {"evil.exe%00.pdf", "exe"},    // the same, undecoded (quoted-string form)
      {"evil.exe_", "exe"},          // a trailing NUL
      {"docs/evil.js", "js"},        // archive member path
      {"C:\\Users\\x\\evil.scr", "scr"},
      {"invoice.pdf.lnk", "lnk"},    // double extension: the last one counts
      {".exe", "exe"},               // no stem: Windows still runs it
      {"disk.ISO", "iso"},
  };
  for (const auto& [name, extension] : cases) EXPECT_EQ(banned.banned_extension(name), extension) << name;
}

TEST(BannedNames, AllowsNamesWhoseRealExtensionIsNotListed) {
  const BannedNames banned = defaults();
  for (const std::string name : {"report.pdf", "a.png", "evil.exe.txt", "exe", "notes", "", "archive.zip",
                                 "my_notes.txt", "evil.pdf.", "sales.jsx", "x.exex", "dir.exe/readme.txt"}) {
    EXPECT_EQ(banned.banned_extension(name), std::nullopt) << name;
  }
}

TEST(BannedNames, ListEntriesAreNormalisedAndMayHaveSeveralDots) {
  control::AttachmentFilterSettings s;
  s.banned_extensions = {".PDF", "tar.gz", ".", ""};
  const BannedNames banned(s);
  EXPECT_EQ(banned.banned_extension("a.pdf"), "pdf");
  EXPECT_EQ(banned.banned_extension("a.TAR.GZ"), "tar.gz");
  EXPECT_EQ(banned.banned_extension("a.gz"), std::nullopt);
  EXPECT_EQ(banned.banned_extension("a.exe"), std::nullopt);   // the list replaces the default
  EXPECT_EQ(banned.banned_extension("a."), std::nullopt);      // "." and "" ban nothing
}

TEST(BannedNames, HostileShapesAreReadLikeAnyOther) {
  const BannedNames banned = defaults();
  EXPECT_EQ(banned.banned_extension(std::string(4096, '_')), std::nullopt);
  EXPECT_EQ(banned.banned_extension(std::string(4096, '.')), std::nullopt);
  EXPECT_EQ(banned.banned_extension("a.exe" + std::string(4000, '_')), "exe");
  EXPECT_EQ(banned.banned_extension("a.exe" + std::string(2000, '.') + std::string(2000, ' ')), "exe");
  std::string dotted_cuts;
  for (int i = 0; i < 1000; ++i) dotted_cuts += ". _";
  EXPECT_EQ(banned.banned_extension(dotted_cuts), std::nullopt);
  EXPECT_EQ(banned.banned_extension(dotted_cuts + "x.vbs"), "vbs");
}

TEST(BannedNames, StatusDisableBansNothing) {
  control::AttachmentFilterSettings s;
  s.enabled = false;
  EXPECT_EQ(BannedNames(s).banned_extension("evil.exe"), std::nullopt);
}

TEST(BannedNames, ReasonNamesTheRuleAndTheEndOfTheName) {
  EXPECT_EQ(BannedNames::reason("exe", "evil.exe"), "attachment-filter:exe:evil.exe");
  const std::string long_name = std::string(1000, 'n') + ".exe";
  EXPECT_EQ(BannedNames::reason("exe", long_name),
            "attachment-filter:exe:..." + long_name.substr(long_name.size() - BannedNames::kReasonNameBytes));
  // Cut on a UTF-8 boundary: 'é' is two bytes; the cut never leaves half of one.
  std::string accented;
  for (int i = 0; i < 40; ++i) accented += "\xC3\xA9";
  const std::string r = BannedNames::reason("exe", accented + ".exe");
  EXPECT_EQ(r, "attachment-filter:exe:..." + accented.substr(accented.size() - 60) + ".exe");
}

// ---- the policy in the inspector ------------------------------------------------------------------------------

control::Policy policy() {
  control::Policy p;
  // Only the name policy decides here: the forms' own MIME flags (RFC 2047 in a parameter, two names) do not.
  p.mime.ambiguity_action = control::Action::Pass;
  return p;
}

MessageRecord inspect(const control::Policy& p, const std::string& mail) {
  std::string error;
  auto snapshot = build_policy_snapshot(p, &error);
  EXPECT_NE(snapshot, nullptr) << error;
  engine::Scratch scratch(*snapshot->database);
  MessageInspector inspector(*snapshot, scratch);
  MessageRecord record;
  inspector.begin(&record);
  inspector.feed(mail);
  smtp::MessageEnd end;
  end.complete = true;
  end.size = mail.size();
  inspector.finish(end);
  return record;
}

// A multipart message whose second part has the given parameter lines.
std::string mail(const std::string& content_type_params, const std::string& disposition_params,
                 const std::string& body = "aGVsbG8gd29ybGQK") {
  return "From: a@ext.example\r\nSubject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n"
         "\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream" +
         content_type_params + "\r\nContent-Disposition: attachment" + disposition_params +
         "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body + "\r\n--b--\r\n";
}

std::string joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const std::string& r : reasons) out += r + " ";
  return out;
}

struct Form {
  const char* trick;
  std::string content_type, disposition, reason;
};

// THREATS MIME-8, every form with a banned extension, and the reason the record must carry.
std::vector<Form> banned_forms() {
  return {
      {"name= png, filename= exe", "; name=\"a.png\"", "; filename=\"a.exe\"", "attachment-filter:exe:a.exe"},
      {"name= exe, filename= png", "; name=\"a.exe\"", "; filename=\"a.png\"", "attachment-filter:exe:a.exe"},
      {"two filename=, exe first", "", "; filename=\"a.exe\"; filename=\"a.txt\"", "attachment-filter:exe:a.exe"},
      {"two filename=, exe last", "", "; filename=\"a.txt\"; filename=\"a.exe\"", "attachment-filter:exe:a.exe"},
      {"RFC 2231 continuation", "", "; filename*0=\"ev\"; filename*1=\"il.exe\"", "attachment-filter:exe:evil.exe"},
      {"RFC 2231 out of order", "", "; filename*1=\"il.exe\"; filename*0=\"ev\"", "attachment-filter:exe:evil.exe"},
      {"RFC 2231 charset form", "", "; filename*=UTF-8''%65vil%2Eexe", "attachment-filter:exe:evil.exe"},
      {"RFC 2047 in a parameter", "", "; filename=\"=?utf-8?B?ZXZpbC5leGU=?=\"", "attachment-filter:exe:evil.exe"},
      {"RTLO", "", "; filename=\"inv\xE2\x80\xAE" "fdp.exe\"", "attachment-filter:exe:inv_fdp.exe"},
      {"trailing dot", "", "; filename=\"evil.exe.\"", "attachment-filter:exe:evil.exe."},
      {"trailing space", "", "; filename=\"evil.exe \"", "attachment-filter:exe:evil.exe "},
      {"%00 before .pdf (quoted)", "", "; filename=\"evil.exe%00.pdf\"", "attachment-filter:exe:evil.exe%00.pdf"},
      {"%00 before .pdf (RFC 2231)", "", "; filename*=utf-8''evil.exe%00.pdf", "attachment-filter:exe:evil.exe_.pdf"},
      {"upper case", "; name=\"EVIL.EXE\"", "", "attachment-filter:exe:EVIL.EXE"},
  };
}

TEST(AttachmentFilter, EveryMime8FormWithABannedExtensionIsRejectedNamingRuleAndName) {
  for (const Form& f : banned_forms()) {
    const MessageRecord r = inspect(policy(), mail(f.content_type, f.disposition));
    EXPECT_EQ(r.verdict.action, control::Action::Reject) << f.trick;
    EXPECT_NE(std::find(r.verdict.reasons.begin(), r.verdict.reasons.end(), f.reason), r.verdict.reasons.end())
        << f.trick << ": " << joined(r.verdict.reasons);
  }
}

TEST(AttachmentFilter, TheSameFormsWithAnAllowedExtensionPass) {
  for (Form f : banned_forms()) {
    for (std::string* s : {&f.content_type, &f.disposition}) {
      for (size_t at; (at = s->find("exe")) != std::string::npos;) s->replace(at, 3, "pdf");
      for (size_t at; (at = s->find("EXE")) != std::string::npos;) s->replace(at, 3, "PDF");
      for (size_t at; (at = s->find("ZXZpbC5leGU=")) != std::string::npos;) s->replace(at, 12, "ZXZpbC5wZGY=");
    }
    const MessageRecord r = inspect(policy(), mail(f.content_type, f.disposition));
    EXPECT_EQ(r.verdict.action, control::Action::Pass) << f.trick << ": " << joined(r.verdict.reasons);
  }
}

TEST(AttachmentFilter, ActionAndListComeFromTheSettings) {
  control::Policy p = policy();
  p.attachment_filter.action = control::Action::Tag;
  EXPECT_EQ(inspect(p, mail("", "; filename=\"a.exe\"")).verdict.action, control::Action::Tag);
  p.attachment_filter.banned_extensions = {"pdf"};
  EXPECT_EQ(inspect(p, mail("", "; filename=\"a.exe\"")).verdict.action, control::Action::Pass);
  EXPECT_EQ(inspect(p, mail("", "; filename=\"a.pdf\"")).verdict.reasons,
            std::vector<std::string>{"attachment-filter:pdf:a.pdf"});
  p.attachment_filter.enabled = false;
  EXPECT_EQ(inspect(p, mail("", "; filename=\"a.pdf\"")).verdict.action, control::Action::Pass);
}

TEST(AttachmentFilter, UuencodeNamesAreCandidatesToo) {
  const std::string m = "From: a@ext.example\r\nSubject: uu\r\n\r\nsee attached\r\nbegin 644 invoice.exe\r\n"
                        "#86)C\r\n`\r\nend\r\n";
  const MessageRecord r = inspect(policy(), m);
  EXPECT_EQ(r.verdict.reasons, std::vector<std::string>{"attachment-filter:exe:invoice.exe"});
}

TEST(AttachmentFilter, ANameCutAtItsLengthLimitTakesTruncatedNameAction) {
  const std::string long_exe = std::string(1000, 'n') + ".exe";
  const std::string long_pdf = std::string(1000, 'n') + ".pdf";
  control::Policy p = policy();   // max-filename-length 255: both lose their extension
  EXPECT_EQ(inspect(p, mail("", "; filename=\"" + long_exe + "\"")).verdict.reasons,
            std::vector<std::string>{"attachment-filter:truncated"});
  EXPECT_EQ(inspect(p, mail("", "; filename=\"" + long_pdf + "\"")).verdict.action, control::Action::Reject);
  p.attachment_filter.truncated_name_action = control::Action::Pass;
  EXPECT_EQ(inspect(p, mail("", "; filename=\"" + long_pdf + "\"")).verdict.action, control::Action::Pass);
  p.mime.max_filename_length = 4096;   // kept whole: the extension decides
  EXPECT_EQ(inspect(p, mail("", "; filename=\"" + long_exe + "\"")).verdict.reasons,
            std::vector<std::string>{BannedNames::reason("exe", long_exe)});
  EXPECT_EQ(inspect(p, mail("", "; filename=\"" + long_pdf + "\"")).verdict.action, control::Action::Pass);
}

// A gzip member named by its FNAME header field.
std::string gzip_named(const std::string& member_name, const std::string& data) {
  std::string gz(1024, '\0');
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  gz_header header{};
  std::string name = member_name;
  header.name = reinterpret_cast<Bytef*>(name.data());
  EXPECT_EQ(deflateSetHeader(&z, &header), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  return gz;
}

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

TEST(AttachmentFilter, ArchiveMemberNamesAreCheckedUnlessArchiveEntriesIsDisabled) {
  const std::string attachment = mail("", "; filename=\"invoice.gz\"", base64(gzip_named("invoice.pdf.js", "x=1")));
  control::Policy p = policy();
  EXPECT_EQ(inspect(p, attachment).verdict.reasons, std::vector<std::string>{"attachment-filter:js:invoice.pdf.js"});
  p.attachment_filter.archive_entries = false;
  EXPECT_EQ(inspect(p, attachment).verdict.action, control::Action::Pass);
  const std::string allowed = mail("", "; filename=\"invoice.gz\"", base64(gzip_named("invoice.pdf", "x=1")));
  EXPECT_EQ(inspect(policy(), allowed).verdict.action, control::Action::Pass);
}

TEST(AttachmentFilter, AnArchiveMemberNameCutAtMaxNameLengthTakesTruncatedNameAction) {
  control::Policy p = policy();
  p.archive.max_name_length = 16;
  const std::string attachment =
      mail("", "; filename=\"a.gz\"", base64(gzip_named("a-rather-long-member-name.pdf", "x=1")));
  EXPECT_EQ(inspect(p, attachment).verdict.reasons, std::vector<std::string>{"attachment-filter:truncated"});
}

// ---- the type the bytes say (executable-content, disk-image-content) -------------------------------------------

// The start of a PE file: MZ, a DOS header (NULs in its first 16 bytes), then anything.
std::string pe_bytes() { return std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", 16) + "program"; }

TEST(AttachmentFilter, AnExecutableIsRefusedByItsContentWhateverItsName) {
  const std::string named_pdf = mail("; name=\"invoice.pdf\"", "; filename=\"invoice.pdf\"", base64(pe_bytes()));
  EXPECT_EQ(inspect(policy(), named_pdf).verdict.reasons,
            std::vector<std::string>{"attachment-filter:content:pe:invoice.pdf"});
  const std::string elf = mail("", "; filename=\"report.txt\"", base64(std::string("\x7f" "ELF\x02\x01\x01\x00", 8)));
  EXPECT_EQ(inspect(policy(), elf).verdict.reasons, std::vector<std::string>{"attachment-filter:content:elf:report.txt"});
  control::Policy p = policy();
  p.attachment_filter.executable_content = false;
  EXPECT_EQ(inspect(p, named_pdf).verdict.action, control::Action::Pass);
  p = policy();
  p.attachment_filter.action = control::Action::Tag;
  EXPECT_EQ(inspect(p, named_pdf).verdict.action, control::Action::Tag);
}

TEST(AttachmentFilter, TextThatStartsWithMzIsNotAnExecutable) {
  const std::string text = mail("", "; filename=\"notes.txt\"", base64("MZ Travel: the itinerary for next week"));
  EXPECT_EQ(inspect(policy(), text).verdict.action, control::Action::Pass);
}

TEST(AttachmentFilter, AnExecutableInsideAnArchiveIsRefusedByContent) {
  const std::string attachment = mail("", "; filename=\"docs.gz\"", base64(gzip_named("readme.pdf", pe_bytes())));
  EXPECT_EQ(inspect(policy(), attachment).verdict.reasons,
            std::vector<std::string>{"attachment-filter:content:pe:readme.pdf"});
  control::Policy p = policy();
  p.attachment_filter.archive_entries = false;
  EXPECT_EQ(inspect(p, attachment).verdict.action, control::Action::Pass);
}

TEST(AttachmentFilter, ADiskImageIsRefusedByContentUnlessDiskImageContentIsDisabled) {
  // A dynamic VHD starts with a copy of its footer ("conectix"); named .dat, which no list bans.
  const std::string vhd = mail("", "; filename=\"backup.dat\"",
                               base64(std::string("conectix\x00\x00\x00\x02\x00\x01\x00\x00", 16) + std::string(64, '\0')));
  EXPECT_EQ(inspect(policy(), vhd).verdict.reasons,
            std::vector<std::string>{"attachment-filter:content:disk-image:backup.dat"});
  control::Policy p = policy();
  p.attachment_filter.disk_image_content = false;
  EXPECT_EQ(inspect(p, vhd).verdict.action, control::Action::Pass);
}

}  // namespace
}  // namespace sluice::scan
