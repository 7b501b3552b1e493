// 7z, RAR 4/5 and ISO 9660 through the buffered reader (scan/archive/buffered_archive.*) and tar through the
// streaming TarWalker (scan/archive/tar_walker.*): member
// names and bytes whatever the feed size, nesting both ways (zip in 7z, tar.gz of a zip), every limit
// of the router applied to buffered members, the buffer cap, disk images, encryption and corruption.
// Archives are written in-test (buffered_formats_writers.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "scan/archive/entry_output.h"
#include "tests/unit/archive/archive_test_support.h"
#include "tests/unit/archive/buffered_formats_writers.h"

namespace sluice::archive::test {
namespace {

using E = ArchiveEvent;

const Members kTwoMembers = {{"docs/readme.txt", "first member's bytes\n"},
                             {"bin/data.bin", std::string("\x00\x01\xff binary\x00", 11)}};

std::vector<Entry> as_entries(const Members& members, uint32_t depth = 1) {
  std::vector<Entry> out;
  for (const auto& [name, bytes] : members) out.push_back({depth, name, bytes});
  return out;
}

// Expands whole, in 1-byte feeds and in 1000-byte feeds; all three must agree with `want`.
void expect_members(ArchiveFormat format, const std::string& bytes, const std::vector<Entry>& want,
                    uint32_t want_events = 0) {
  for (const size_t chunk : {size_t{0}, size_t{1}, size_t{1000}}) {
    const Expansion x = expand(format, bytes, chunk);
    EXPECT_EQ(x.entries, want) << "chunk " << chunk;
    EXPECT_EQ(x.events, want_events) << "chunk " << chunk;
    EXPECT_TRUE(x.order_errors.empty()) << x.order_errors.front();
    EXPECT_TRUE(x.all_closed);
  }
}

std::string patterned(size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return out;
}

TEST(BufferedFormats, DetectsMagics) {
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, kTwoMembers);
  const std::string tar = write_with_libarchive(WrittenFormat::Ustar, kTwoMembers);
  const std::string iso = write_with_libarchive(WrittenFormat::Iso9660, kTwoMembers);
  EXPECT_EQ(detect_archive(seven.substr(0, kArchiveSniffBytes)), ArchiveFormat::SevenZip);
  EXPECT_EQ(detect_archive(rar5_stored(kTwoMembers).substr(0, kArchiveSniffBytes)), ArchiveFormat::Rar);
  EXPECT_EQ(detect_archive(rar4_stored(kTwoMembers).substr(0, kArchiveSniffBytes)), ArchiveFormat::Rar);
  EXPECT_EQ(detect_archive(tar.substr(0, kArchiveSniffBytes)), ArchiveFormat::Tar);
  EXPECT_EQ(detect_archive(iso.substr(0, kArchiveSniffBytes)), ArchiveFormat::Iso9660);  // a candidate
  EXPECT_TRUE(has_iso9660_volume_descriptor(iso));
  EXPECT_FALSE(has_iso9660_volume_descriptor(std::string(kIso9660SniffBytes, '\0')));
  EXPECT_EQ(detect_archive("conectix\0\0\0\x02"), ArchiveFormat::DiskImage);
  EXPECT_EQ(detect_archive("vhdxfile"), ArchiveFormat::DiskImage);
  // One byte short of the sniff length of zeros, and a 263-byte tar head cut before its magic ends.
  EXPECT_EQ(detect_archive(std::string(kArchiveSniffBytes - 1, '\0')), ArchiveFormat::None);
  EXPECT_EQ(detect_archive(tar.substr(0, 261)), ArchiveFormat::None);
  EXPECT_EQ(detect_archive(std::string_view("7z\xBC\xAF\x27", 5)), ArchiveFormat::None);
  EXPECT_STREQ(archive_event_name(E::BufferLimit), "buffer_limit");
  EXPECT_STREQ(archive_event_name(E::DiskImage), "disk_image");
  EXPECT_FALSE(is_bomb(bits({E::BufferLimit, E::DiskImage})));
}

TEST(BufferedFormats, SevenZipMembersWithEachCodec) {
  for (const char* options : {"7zip:compression=store", "7zip:compression=lzma1", "7zip:compression=lzma2",
                              "7zip:compression=bzip2", "7zip:compression=deflate", "7zip:compression=ppmd"}) {
    SCOPED_TRACE(options);
    // Last: libarchive's 7z writer stores empty files after the others.
    const Members members = {{"a.txt", patterned(200000)}, {"dir/b.txt", "bee"}, {"empty", ""}};
    expect_members(ArchiveFormat::SevenZip, write_with_libarchive(WrittenFormat::SevenZip, members, options),
                   as_entries(members));
  }
}

TEST(BufferedFormats, Rar5StoredMembers) {
  expect_members(ArchiveFormat::Rar, rar5_stored(kTwoMembers), as_entries(kTwoMembers));
}

TEST(BufferedFormats, Rar4StoredMembers) {
  expect_members(ArchiveFormat::Rar, rar4_stored(kTwoMembers), as_entries(kTwoMembers));
}

TEST(BufferedFormats, TarUstarAndPaxLongNames) {
  expect_members(ArchiveFormat::Tar, write_with_libarchive(WrittenFormat::Ustar, kTwoMembers),
                 as_entries(kTwoMembers));
  const Members long_name = {{std::string(150, 'n') + "/" + std::string(120, 'm') + ".exe", patterned(70000)}};
  expect_members(ArchiveFormat::Tar, write_with_libarchive(WrittenFormat::Pax, long_name), as_entries(long_name));
}

TEST(BufferedFormats, TarGnuLongNames) {
  const Members long_name = {{std::string(300, 'g') + ".txt", "gnu"}, {"short", "s"}};
  expect_members(ArchiveFormat::Tar, write_with_libarchive(WrittenFormat::Gnutar, long_name), as_entries(long_name));
}

// A ustar header written field by field, for the layouts libarchive's writer does not produce.
std::string tar_header(std::string_view name, uint64_t size, char type, bool base256_size = false) {
  std::string h(512, '\0');
  h.replace(0, std::min<size_t>(name.size(), 100), name.substr(0, 100));
  h.replace(100, 7, "0000644", 7);
  if (base256_size) {
    h[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) h[135 - i] = static_cast<char>(size >> (8 * i));
  } else {
    char octal[13];
    std::snprintf(octal, sizeof octal, "%011llo", static_cast<unsigned long long>(size));
    h.replace(124, 11, octal, 11);
  }
  h[156] = type;
  h.replace(257, 8, std::string("ustar\0" "00", 8));
  h.replace(148, 8, 8, ' ');
  unsigned sum = 0;
  for (char c : h) sum += static_cast<uint8_t>(c);
  char octal[8];
  std::snprintf(octal, sizeof octal, "%06o", sum);
  h.replace(148, 7, octal, 7);  // six digits, NUL, and the space already there
  return h;
}

std::string padded(std::string_view data) {
  std::string out(data);
  out.append((512 - data.size() % 512) % 512, '\0');
  return out;
}

std::string pax_record(std::string_view key, std::string_view value) {
  const std::string body = " " + std::string(key) + "=" + std::string(value) + "\n";
  size_t length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  return std::to_string(length) + body;
}

const std::string kTarEnd(1024, '\0');

TEST(BufferedFormats, TarPaxSizeOverridesTheHeaderSize) {
  // The header says 0 bytes; pax says 600: extractors take 600, so must the walker, or the member's
  // bytes would be read as headers (and its content never scanned).
  const std::string body(600, 'p');
  const std::string pax = pax_record("size", "600") + pax_record("path", "real/name.bin");
  const std::string tar = tar_header("PaxHeader", pax.size(), 'x') + padded(pax) + tar_header("short", 0, '0') +
                          padded(body) + kTarEnd;
  expect_members(ArchiveFormat::Tar, tar, {{1, "real/name.bin", body}});
}

TEST(BufferedFormats, TarBase256SizeLinksAndDirectories) {
  const std::string tar = tar_header("dir/", 0, '5') + tar_header("link", 0, '2') +
                          tar_header("big-encoding", 5, '0', true) + padded("12345") + kTarEnd;
  expect_members(ArchiveFormat::Tar, tar, {{1, "big-encoding", "12345"}});
}

TEST(BufferedFormats, TarMemberAfterTheEndMarkerIsScannedAsTrailingData) {
  const std::string tar = tar_header("a", 1, '0') + padded("a") + kTarEnd + tar_header("hidden", 3, '0') + padded("bad");
  expect_members(ArchiveFormat::Tar, tar, {{1, "a", "a"}, {1, "hidden", "bad"}}, bits({E::TrailingData}));
  // Padding after the end marker is not an archive problem.
  expect_members(ArchiveFormat::Tar, tar_header("a", 1, '0') + padded("a") + kTarEnd + std::string(5000, 'x'),
                 {{1, "a", "a"}});
}

TEST(BufferedFormats, TarIsStreamedNotBuffered) {
  const Members members = {{"big.bin", patterned(300000)}};
  ArchiveLimits limits;
  limits.max_buffered_bytes = 1024;
  const Expansion x = expand(ArchiveFormat::Tar, write_with_libarchive(WrittenFormat::Ustar, members), 4096, limits);
  EXPECT_EQ(x.entries, as_entries(members));
  EXPECT_EQ(x.events, 0u);
}

TEST(BufferedFormats, TruncatedTarIsCorrupt) {
  const std::string tar = write_with_libarchive(WrittenFormat::Ustar, {{"a.bin", patterned(2000)}});
  const Expansion x = expand(ArchiveFormat::Tar, tar.substr(0, 1500));
  EXPECT_EQ(x.events, bits({E::Corrupt}));
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].data, patterned(2000).substr(0, 1500 - 512));
  EXPECT_TRUE(x.all_closed);
}

TEST(BufferedFormats, IsoImageMembersAndDiskImageEvent) {
  // libarchive's ISO writer stores names in ISO 9660 level 1 unless told otherwise; Rock Ridge
  // (its default) gives the reader the original names back.
  const Members members = {{"invoice.exe", patterned(100000)}, {"readme.txt", "hello"}};
  expect_members(ArchiveFormat::Iso9660, write_with_libarchive(WrittenFormat::Iso9660, members),
                 as_entries(members), bits({E::DiskImage}));
}

TEST(BufferedFormats, ZerosThatAreNotAnIsoAreNoArchive) {
  std::string zeros(200000, '\0');
  zeros[50000] = 'x';  // bytes after the decision point are never looked at
  const Expansion x = expand(ArchiveFormat::Iso9660, zeros);
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, 0u);
  // Shorter than the last descriptor offset: decided at finish() on what there is.
  EXPECT_EQ(expand(ArchiveFormat::Iso9660, std::string(1000, '\0')).events, 0u);
}

TEST(BufferedFormats, IsoInsideAZipAndZerosAtTheDepthLimit) {
  const Members members = {{"inner.txt", "in the image"}};
  const std::string iso = write_with_libarchive(WrittenFormat::Iso9660, members);
  expect_members(ArchiveFormat::Zip, zip_of("disk.img", iso), {{1, "disk.img", iso}, {2, "inner.txt", "in the image"}},
                 bits({E::DiskImage}));
  // At max_depth a member that merely starts with zeros is scanned raw: no DepthLimit (a bomb) for it.
  ArchiveLimits limits;
  limits.max_depth = 1;
  const std::string zeros(40000, '\0');
  const Expansion x = expand(ArchiveFormat::Zip, zip_of("blank.bin", zeros), 0, limits);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "blank.bin", zeros}}));
  EXPECT_EQ(x.events, 0u);
}

TEST(BufferedFormats, VhdAndVhdxAreFlaggedNotExpanded) {
  std::string vhd = "conectix" + std::string(600, '\0');
  const Expansion x = expand(detect_archive(vhd), vhd);
  EXPECT_EQ(x.events, bits({E::DiskImage}));
  EXPECT_TRUE(x.entries.empty());
  // Inside a zip: the member is scanned raw and the image flagged.
  const Expansion nested = expand(ArchiveFormat::Zip, zip_of("disk.vhdx", "vhdxfile" + std::string(600, 'v')));
  EXPECT_EQ(nested.events, bits({E::DiskImage}));
  ASSERT_EQ(nested.entries.size(), 1u);
  EXPECT_EQ(nested.entries[0].name, "disk.vhdx");
}

TEST(BufferedFormats, ZipInside7zIsExpandedOneLevelDeeper) {
  const std::string inner = zip_of("payload.txt", "deep bytes");
  const Members members = {{"x.zip", inner}};
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, members);
  expect_members(ArchiveFormat::SevenZip, seven, {{1, "x.zip", inner}, {2, "payload.txt", "deep bytes"}});
  // And a 7z inside a zip: the buffered reader at depth 2.
  expect_members(ArchiveFormat::Zip, zip_of("y.7z", seven),
                 {{1, "y.7z", seven}, {2, "x.zip", inner}, {3, "payload.txt", "deep bytes"}});
}

TEST(BufferedFormats, TarGzOfAZip) {
  const std::string zip = zip_of("inner.txt", "zip member in a tar in a gzip");
  const std::string tar = write_with_libarchive(WrittenFormat::Ustar, {{"bundle/a.zip", zip}});
  expect_members(ArchiveFormat::Gzip, gzip_member(tar, "bundle.tar"),
                 {{1, "bundle.tar", tar}, {2, "bundle/a.zip", zip}, {3, "inner.txt", "zip member in a tar in a gzip"}});
}

TEST(BufferedFormats, EntryLimitCountsBufferedMembers) {
  Members members;
  for (int i = 0; i < 6; ++i) members.emplace_back("m" + std::to_string(i), "x");
  ArchiveLimits limits;
  limits.max_entries = 3;
  const Expansion x = expand(ArchiveFormat::SevenZip, write_with_libarchive(WrittenFormat::SevenZip, members), 0, limits);
  EXPECT_EQ(x.entry_count, 3u);
  EXPECT_EQ(x.entries.size(), 3u);
  EXPECT_EQ(x.events, bits({E::EntryLimit}));
  EXPECT_TRUE(x.all_closed);
}

TEST(BufferedFormats, OversizeLimitCutsABufferedMember) {
  ArchiveLimits limits;
  limits.uncompressed_oversize_limit = 100000;
  limits.max_ratio = 0;
  const Members members = {{"big.bin", std::string(1u << 20, 'z')}};
  const Expansion x = expand(ArchiveFormat::SevenZip, write_with_libarchive(WrittenFormat::SevenZip, members), 0, limits);
  EXPECT_EQ(x.events, bits({E::OversizeLimit}));
  EXPECT_EQ(x.expanded_bytes, 100000u);
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].data, std::string(100000, 'z'));
  EXPECT_TRUE(x.all_closed);
}

TEST(BufferedFormats, RatioLimitAppliesToBufferedMembers) {
  const Members members = {{"zeros", std::string(8u << 20, '\0')}};
  const Expansion x = expand(ArchiveFormat::SevenZip, write_with_libarchive(WrittenFormat::SevenZip, members));
  EXPECT_EQ(x.events, bits({E::RatioLimit}));
  EXPECT_TRUE(is_bomb(x.events));
}

TEST(BufferedFormats, BufferLimitScansNoMembersAndIsNotABomb) {
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, {{"a.bin", patterned(50000)}},
                                                  "7zip:compression=store");
  ArchiveLimits limits;
  limits.max_buffered_bytes = seven.size() - 1;
  for (const size_t chunk : {size_t{0}, size_t{1}}) {
    const Expansion x = expand(ArchiveFormat::SevenZip, seven, chunk, limits);
    EXPECT_TRUE(x.entries.empty());
    EXPECT_EQ(x.events, bits({E::BufferLimit}));
    EXPECT_FALSE(is_bomb(x.events));
  }
  limits.max_buffered_bytes = seven.size();  // exactly at the cap: read
  EXPECT_EQ(expand(ArchiveFormat::SevenZip, seven, 0, limits).entries.size(), 1u);
}

TEST(BufferedFormats, ReusedExpanderReadsOneArchiveAfterAnother) {
  RecordingSink sink;
  ArchiveExpander expander({}, sink);
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, {{"one", "1"}});
  const std::string rar = rar5_stored({{"two", "22"}});
  expander.begin(ArchiveFormat::SevenZip);
  expander.feed(seven);
  expander.finish();
  expander.begin(ArchiveFormat::Rar);
  expander.feed(rar);
  expander.finish();
  EXPECT_EQ(sink.entries, (std::vector<Entry>{{1, "one", "1"}, {1, "two", "22"}}));
  EXPECT_EQ(expander.events(), 0u);
}

// Members are read at finish(), after the last feed: a deadline that passed meanwhile still stops
// them within kDeadlineCheckBytes (plus the window in flight), as for the streaming formats.
TEST(BufferedFormats, DeadlineStopsReadingMembers) {
  ArchiveLimits limits;
  limits.max_ratio = 0;
  RecordingSink sink;
  ArchiveExpander expander(limits, sink);
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, {{"zeros", std::string(4u << 20, '\0')}});
  expander.begin(ArchiveFormat::SevenZip);
  expander.feed(seven);
  expander.set_deadline_tsc(1);  // long past
  expander.finish();
  EXPECT_EQ(expander.events(), bits({E::TimeLimit}));
  EXPECT_GT(expander.expanded_bytes(), 0u);
  EXPECT_LE(expander.expanded_bytes(), kDeadlineCheckBytes + kExpansionWindowBytes);
  EXPECT_TRUE(sink.all_closed());
}

// libarchive's 7z writer cannot encrypt (archive_write_set_passphrase is zip-only), and libarchive
// 3.6.2 reads past a RAR 5 file encryption record without marking the entry, so the encrypted case is
// RAR 4 with the password flag: the member is named, no byte is handed on.
TEST(BufferedFormats, EncryptedRar4MemberIsNamedNotRead) {
  const Expansion x = expand(ArchiveFormat::Rar, rar4_stored({{"secret.exe", "MZ encrypted?"}}, true));
  EXPECT_TRUE(x.events & bits({E::Encrypted})) << x.events;
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0], (Entry{1, "secret.exe", ""}));
  EXPECT_TRUE(x.all_closed);
}

TEST(BufferedFormats, CorruptArchivesAreFlagged) {
  const std::string seven = write_with_libarchive(WrittenFormat::SevenZip, kTwoMembers);
  const Expansion truncated = expand(ArchiveFormat::SevenZip, seven.substr(0, seven.size() - 20));
  EXPECT_EQ(truncated.events, bits({E::Corrupt}));
  EXPECT_TRUE(truncated.all_closed);
  const Expansion bad_crc = expand(ArchiveFormat::Rar, rar5_stored(kTwoMembers, {.bad_header_crc = true}));
  EXPECT_TRUE(bad_crc.events & bits({E::Corrupt})) << bad_crc.events;
  EXPECT_TRUE(bad_crc.all_closed);
  std::string tar = write_with_libarchive(WrittenFormat::Ustar, kTwoMembers);
  tar[150] ^= 0x55;  // inside the first header's checksum field
  EXPECT_EQ(expand(ArchiveFormat::Tar, tar).events, bits({E::Corrupt}));
}

}  // namespace
}  // namespace sluice::archive::test
