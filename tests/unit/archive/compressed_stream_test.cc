// gzip and bzip2 expansion, format sniffing and event names, and nesting across formats.
#include <gtest/gtest.h>

#include "tests/unit/archive/archive_test_support.h"

namespace sluice::archive::test {
namespace {

using E = ArchiveEvent;

// Enough varied text to span several 64 KiB windows without compressing to nothing.
std::string sample_text(size_t bytes) {
  std::string out;
  out.reserve(bytes);
  uint32_t state = 12345;
  while (out.size() < bytes) {
    state = state * 1103515245u + 12345u;
    out.push_back(static_cast<char>('a' + (state >> 16) % 26));
    if ((state >> 8) % 11 == 0) out.push_back(' ');
  }
  out.resize(bytes);
  return out;
}

TEST(Formats, DetectArchive) {
  EXPECT_EQ(detect_archive("PK\x03\x04rest"), ArchiveFormat::Zip);
  EXPECT_EQ(detect_archive(std::string_view("PK\x05\x06", 4)), ArchiveFormat::Zip);
  EXPECT_EQ(detect_archive("\x1f\x8b\x08"), ArchiveFormat::Gzip);
  EXPECT_EQ(detect_archive("BZh9"), ArchiveFormat::Bzip2);
  EXPECT_EQ(detect_archive("BZh0"), ArchiveFormat::None);
  EXPECT_EQ(detect_archive("PK\x03"), ArchiveFormat::None);
  EXPECT_EQ(detect_archive("\x1f\x8b"), ArchiveFormat::None);
  EXPECT_EQ(detect_archive(""), ArchiveFormat::None);
  EXPECT_EQ(detect_archive("%PDF-1.7"), ArchiveFormat::None);
}

TEST(Formats, EventNamesAndBombs) {
  EXPECT_STREQ(archive_event_name(E::OversizeLimit), "oversize_limit");
  EXPECT_STREQ(archive_event_name(E::NameMismatch), "name_mismatch");
  EXPECT_STREQ(archive_event_name(E::StoredWithDescriptor), "stored_with_descriptor");
  EXPECT_STREQ(archive_event_name(E::OverlappingEntries), "overlapping_entries");
  EXPECT_STREQ(archive_event_name(E::TrailingData), "trailing_data");
  EXPECT_STREQ(archive_event_name(static_cast<E>(3)), "unknown");
  for (E bomb : {E::OversizeLimit, E::RatioLimit, E::DepthLimit, E::EntryLimit, E::OverlappingEntries})
    EXPECT_TRUE(is_bomb(bits({bomb})));
  EXPECT_FALSE(is_bomb(bits({E::Encrypted, E::Corrupt, E::NameMismatch, E::UnsupportedMethod,
                             E::StoredWithDescriptor, E::TrailingData})));
}

TEST(Gzip, MemberNamedByFname) {
  const std::string text = sample_text(300000);
  const Expansion x = expand(ArchiveFormat::Gzip, gzip_member(text, "report.txt"));
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "report.txt", text}}));
  EXPECT_EQ(x.events, 0u);
}

TEST(Gzip, MemberWithoutNameAndEmptyMember) {
  const Expansion x = expand(ArchiveFormat::Gzip, gzip_member("abc", nullptr) + gzip_member("", "e"));
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "", "abc"}, {1, "e", ""}}));
  EXPECT_EQ(x.events, 0u);
}

TEST(Gzip, ConcatenatedMembersAreAllExpanded) {
  const std::string input = gzip_member("one", "1.txt") + gzip_member("two", "2.txt");
  const std::vector<Entry> want = {{1, "1.txt", "one"}, {1, "2.txt", "two"}};
  EXPECT_EQ(expand(ArchiveFormat::Gzip, input).entries, want);
  const Expansion bytewise = expand(ArchiveFormat::Gzip, input, 1);
  EXPECT_EQ(bytewise.entries, want);
  EXPECT_EQ(bytewise.events, 0u);
}

TEST(Gzip, BytesAfterLastMemberAreTrailingData) {
  const Expansion x = expand(ArchiveFormat::Gzip, gzip_member("data", "d") + std::string(512, '\0'));
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "d", "data"}}));
  EXPECT_EQ(x.events, bits({E::TrailingData}));
}

TEST(Gzip, TruncatedMemberIsCorrupt) {
  const std::string text = sample_text(100000);
  const std::string whole = gzip_member(text, "cut.txt");
  const Expansion x = expand(ArchiveFormat::Gzip, std::string_view(whole).substr(0, whole.size() / 2));
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].name, "cut.txt");
  EXPECT_EQ(x.entries[0].data, text.substr(0, x.entries[0].data.size()));
  EXPECT_EQ(x.events, bits({E::Corrupt}));
  EXPECT_TRUE(x.all_closed);
}

TEST(Gzip, BadCrcIsCorrupt) {
  std::string bytes = gzip_member("checked", "c");
  bytes[bytes.size() - 8] ^= 1;  // first byte of the CRC-32 trailer
  const Expansion x = expand(ArchiveFormat::Gzip, bytes);
  EXPECT_EQ(x.events, bits({E::Corrupt}));
  EXPECT_TRUE(x.all_closed);
}

TEST(Gzip, NotGzipIsCorrupt) {
  const Expansion x = expand(ArchiveFormat::Gzip, "plain text, no magic");
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, bits({E::Corrupt}));
}

TEST(Bzip2, StreamsAreEntriesWithoutName) {
  const std::string text = sample_text(250000);
  const std::string input = bzip2_stream(text) + bzip2_stream("second");
  const std::vector<Entry> want = {{1, "", text}, {1, "", "second"}};
  const Expansion whole = expand(ArchiveFormat::Bzip2, input);
  EXPECT_EQ(whole.entries, want);
  EXPECT_EQ(whole.events, 0u);
  const Expansion bytewise = expand(ArchiveFormat::Bzip2, input, 1);
  EXPECT_EQ(bytewise.entries, want);
  EXPECT_EQ(bytewise.events, 0u);
}

TEST(Bzip2, TruncatedAndTrailing) {
  const std::string bytes = bzip2_stream(sample_text(5000));
  EXPECT_EQ(expand(ArchiveFormat::Bzip2, bytes.substr(0, bytes.size() - 10)).events, bits({E::Corrupt}));
  EXPECT_EQ(expand(ArchiveFormat::Bzip2, bytes + "junk").events, bits({E::TrailingData}));
}

TEST(Bzip2, IgnoredWhenDisabled) {
  ArchiveLimits limits;
  limits.scan_bzip2 = false;
  const std::string inner = bzip2_stream("inside");
  const Expansion top = expand(ArchiveFormat::Bzip2, inner, 0, limits);
  EXPECT_TRUE(top.entries.empty());
  EXPECT_EQ(top.events, 0u);
  // Nested bzip2 is then just bytes: handed over raw, not expanded.
  const Expansion nested = expand(ArchiveFormat::Zip, zip_of("x.bz2", inner), 0, limits);
  EXPECT_EQ(nested.entries, (std::vector<Entry>{{1, "x.bz2", inner}}));
}

TEST(Nesting, GzipOfZipAndZipOfGzipAndBzip2) {
  const std::string zip = zip_of("inner.txt", "deep");
  const Expansion tgz = expand(ArchiveFormat::Gzip, gzip_member(zip, "a.zip"));
  EXPECT_EQ(tgz.entries, (std::vector<Entry>{{1, "a.zip", zip}, {2, "inner.txt", "deep"}}));

  ZipWriter outer;
  const std::string gz = gzip_member("gzipped", "g.txt");
  const std::string bz = bzip2_stream("bzipped");
  outer.add("g.gz", gz, Method::Stored);
  outer.add("b.bz2", bz, Method::Deflate);
  const std::string bytes = outer.finish();
  const std::vector<Entry> want = {
      {1, "g.gz", gz}, {2, "g.txt", "gzipped"}, {1, "b.bz2", bz}, {2, "", "bzipped"}};
  for (size_t chunk : {0, 1, 7}) {
    const Expansion x = expand(ArchiveFormat::Zip, bytes, chunk);
    EXPECT_EQ(x.entries, want) << "chunk " << chunk;
    EXPECT_EQ(x.events, 0u);
    EXPECT_TRUE(x.order_errors.empty());
  }
}

TEST(Nesting, ShortEntryLookingLikeAMagicPrefixIsPlainData) {
  ZipWriter zip;
  zip.add("short", "PK", Method::Stored);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "short", "PK"}}));
  EXPECT_EQ(x.events, 0u);
}

TEST(Nesting, NoneFormatExpandsNothing) {
  const Expansion x = expand(ArchiveFormat::None, "anything");
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, 0u);
}

}  // namespace
}  // namespace sluice::archive::test
