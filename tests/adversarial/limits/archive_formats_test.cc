// tests/adversarial/limits/archive_formats_test.cc — THREATS.md MIME-13 for the formats read with libarchive
// (7z, RAR 5, ISO 9660 also named .img, tar, and tar.gz of a zip) through the live relay: EICAR as a member is
// refused `550 5.7.1 ... antivirus:` with the member itself in the record (so it was expanded, not matched in the
// raw bytes) and the backend stores nothing; a benign twin is delivered byte for byte. The attachment filter is
// off in these rows (it bans .iso/.img names and disk-image content by default, which would decide first); one
// row keeps the default filter to show an .img is refused anyway.
// May call: the conversation harness, mime_messages.h, the archive writers of tests/unit/archive.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/unit/archive/archive_test_support.h"
#include "tests/unit/archive/buffered_formats_writers.h"

namespace sluice::testing {
namespace {

using archive::test::gzip_member;
using archive::test::Members;
using archive::test::rar5_stored;
using archive::test::write_with_libarchive;
using archive::test::WrittenFormat;
using archive::test::zip_of;

constexpr const char* kArchiveSettings =
    "  set max-depth 5\n  set max-entries 1000\n  set uncompressed-oversize-limit 10\n  set max-ratio 100\n"
    "  set ratio-floor 1024\n  set bomb-action reject\n  set encrypted-action reject\n";
constexpr const char* kFilterOff = "config attachment-filter\n  set status disable\nend\n";

struct Outcome {
  std::string reply;
  size_t delivered = 0;
  std::string delivered_content;
  std::vector<std::string> reasons;
  std::vector<std::string> flags;
  std::vector<std::pair<std::string, uint32_t>> members;  // archive members in the record: name, depth
};

Outcome send_message(const std::string& content, bool attachment_filter = false) {
  RelayConversation c(limits_config({.protocol_options = "  set hold-limit 1024\n",
                                     .archive = kArchiveSettings,
                                     .extra = attachment_filter ? "" : kFilterOff}));
  Outcome o;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return o;
  o.reply = c.exchange(content + ".\r\n", 60);
  c.settle(0.1);
  o.delivered = c.backend().messages.size();
  if (o.delivered > 0) o.delivered_content = c.backend().messages[0];
  if (!c.records().empty()) {
    const scan::MessageRecord& r = c.records().back();
    o.reasons = r.verdict.reasons;
    o.flags = r.flags;
    for (const scan::AttachmentRecord& a : r.attachments)
      if (a.depth > 0) o.members.emplace_back(a.name, a.depth);
  }
  return o;
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  for (const std::string& e : v)
    if (e.find(s) != std::string::npos) return true;
  return false;
}

void expect_refused_with_member(const Outcome& o, std::string_view member, uint32_t depth) {
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: ")) << o.reply;
  EXPECT_NE(o.reply.find("antivirus:"), std::string::npos) << o.reply;
  EXPECT_EQ(o.delivered, 0u) << "the backend stored nothing";
  EXPECT_NE(std::find(o.members.begin(), o.members.end(), std::make_pair(std::string(member), depth)), o.members.end())
      << member << " at depth " << depth << " was not expanded";
}

void expect_delivered(const Outcome& o, const std::string& content) {
  EXPECT_EQ(o.reply, "250 2.0.0 Ok: queued as 1\r\n");
  ASSERT_EQ(o.delivered, 1u);
  EXPECT_EQ(o.delivered_content, content);
}

const Members kEicarMember = {{"readme.txt", "notes"}, {"eicar.com", kEicar}};
const Members kBenignMembers = {{"readme.txt", "notes"}, {"figures.csv", "q1,q2\n1,2\n"}};

TEST(Mime13ArchiveFormats, EicarInside7zIsFound) {
  // LZMA: the signature is not in the attachment's raw bytes, only in the expanded member.
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, kEicarMember);
  ASSERT_EQ(seven.find("EICAR"), std::string::npos);
  expect_refused_with_member(send_message(message_with_attachment("a.7z", "application/x-7z-compressed", seven)),
                             "eicar.com", 1);
}

TEST(Mime13ArchiveFormats, EicarInsideRar5IsFound) {
  expect_refused_with_member(
      send_message(message_with_attachment("a.rar", "application/vnd.rar", rar5_stored(kEicarMember))), "eicar.com",
      1);
}

TEST(Mime13ArchiveFormats, EicarInsideIsoAndImgIsFoundAndFlaggedADiskImage) {
  const std::string iso = write_with_libarchive(WrittenFormat::Iso9660, kEicarMember);
  for (const char* name : {"disk.iso", "invoice.img"}) {
    SCOPED_TRACE(name);
    const Outcome o = send_message(message_with_attachment(name, "application/octet-stream", iso));
    expect_refused_with_member(o, "eicar.com", 1);
    EXPECT_TRUE(has(o.flags, "disk_image"));
  }
}

TEST(Mime13ArchiveFormats, EicarInsideTarIsFound) {
  expect_refused_with_member(
      send_message(message_with_attachment("a.tar", "application/x-tar",
                                           write_with_libarchive(WrittenFormat::Ustar, kEicarMember))),
      "eicar.com", 1);
}

TEST(Mime13ArchiveFormats, EicarInsideAZipInsideATarGzIsFound) {
  const std::string tar = write_with_libarchive(WrittenFormat::Pax, {{"bundle/a.zip", zip_of("eicar.com", kEicar)}});
  const Outcome o = send_message(message_with_attachment("bundle.tar.gz", "application/gzip", gzip_member(tar, "bundle.tar")));
  expect_refused_with_member(o, "eicar.com", 3);
  EXPECT_NE(std::find(o.members.begin(), o.members.end(), std::make_pair(std::string("bundle/a.zip"), 2u)),
            o.members.end());
}

TEST(Mime13ArchiveFormats, BenignMembersOfEachFormatAreDeliveredByteForByte) {
  const std::string tar = write_with_libarchive(WrittenFormat::Ustar, kBenignMembers);
  const std::vector<std::pair<std::string, std::string>> attachments = {
      {"report.7z", write_with_libarchive(WrittenFormat::SevenZip, kBenignMembers)},
      {"report.rar", rar5_stored(kBenignMembers)},
      {"report.dat", write_with_libarchive(WrittenFormat::Iso9660, kBenignMembers)},  // an ISO under a neutral name
      {"report.tar", tar},
      {"report.tar.gz", gzip_member(write_with_libarchive(WrittenFormat::Ustar, {{"r.zip", zip_of("figures.csv", "1,2")}}),
                                    "report.tar")},
  };
  for (const auto& [name, bytes] : attachments) {
    SCOPED_TRACE(name);
    const std::string content = message_with_attachment(name, "application/octet-stream", bytes);
    const Outcome o = send_message(content);
    expect_delivered(o, content);
    EXPECT_FALSE(o.members.empty()) << "the archive was expanded";
  }
}

TEST(Mime13ArchiveFormats, ImgWithTheDefaultAttachmentFilterIsRefused) {
  const std::string iso = write_with_libarchive(WrittenFormat::Iso9660, kBenignMembers);
  const Outcome o = send_message(message_with_attachment("invoice.img", "application/octet-stream", iso), true);
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: ")) << o.reply;
  EXPECT_TRUE(has(o.reasons, "attachment-filter:")) << o.reply;
  EXPECT_EQ(o.delivered, 0u);
}

// An ISO under a name no list bans is still a disk image: the expander recognises it 32 KiB in, and the default
// attachment filter (disk-image-content enable) refuses it by content.
TEST(Mime13ArchiveFormats, IsoUnderANeutralNameIsRefusedByContentWithTheDefaultFilter) {
  const std::string iso = write_with_libarchive(WrittenFormat::Iso9660, kBenignMembers);
  const Outcome o = send_message(message_with_attachment("report.dat", "application/octet-stream", iso), true);
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: ")) << o.reply;
  EXPECT_TRUE(has(o.reasons, "attachment-filter:content:disk-image")) << o.reply;
  EXPECT_EQ(o.delivered, 0u);
}

}  // namespace
}  // namespace sluice::testing
