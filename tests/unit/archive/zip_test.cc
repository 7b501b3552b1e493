// Zip walking: entries, directory checks (NameMismatch, OverlappingEntries), flags,
// concatenation, truncation and nesting. Zips are built in-test by ZipWriter.
#include <gtest/gtest.h>

#include "tests/unit/archive/archive_test_support.h"

namespace sluice::archive::test {
namespace {

using E = ArchiveEvent;

std::string two_entry_zip() {
  ZipWriter zip;
  zip.add("a.txt", "hello", Method::Stored);
  zip.add("dir/b.txt", std::string(3000, 'b') + "tail", Method::Deflate);
  return zip.finish();
}

// Every expansion must keep the sink contract, whatever the input.
void expect_well_formed(const Expansion& x) {
  EXPECT_TRUE(x.order_errors.empty()) << x.order_errors.front();
  EXPECT_TRUE(x.all_closed);
}

TEST(Zip, StoredAndDeflatedEntries) {
  const Expansion x = expand(ArchiveFormat::Zip, two_entry_zip());
  const std::vector<Entry> want = {{1, "a.txt", "hello"},
                                   {1, "dir/b.txt", std::string(3000, 'b') + "tail"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, 0u);
  EXPECT_EQ(x.entry_count, 2u);
  EXPECT_EQ(x.expanded_bytes, 3009u);
  expect_well_formed(x);
}

TEST(Zip, EmptyZipIsJustAnEndRecord) {
  const Expansion x = expand(ArchiveFormat::Zip, ZipWriter().finish());
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, 0u);
}

TEST(Zip, OneByteChunksEqualOneShot) {
  ZipWriter described;
  described.add("d.txt", std::string(70000, 'd'), Method::Deflate, ZipWriter::kDescriptor);
  described.add("e.txt", "e", Method::Stored);
  const std::string inputs[] = {two_entry_zip(), described.finish(),
                                zip_of("z2.zip", zip_of("z3.zip", zip_of("f.txt", "payload")))};
  for (const std::string& input : inputs) {
    const Expansion whole = expand(ArchiveFormat::Zip, input);
    const Expansion bytewise = expand(ArchiveFormat::Zip, input, 1);
    EXPECT_EQ(bytewise.entries, whole.entries);
    EXPECT_EQ(bytewise.events, whole.events);
    EXPECT_EQ(bytewise.expanded_bytes, whole.expanded_bytes);
    expect_well_formed(bytewise);
  }
}

TEST(Zip, DeflateWithDataDescriptor) {
  ZipWriter zip;
  zip.add("d.txt", std::string(70000, 'd'), Method::Deflate, ZipWriter::kDescriptor);
  zip.add("e.txt", "e", Method::Stored);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  const std::vector<Entry> want = {{1, "d.txt", std::string(70000, 'd')}, {1, "e.txt", "e"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, 0u);
}

TEST(Zip, Zip64SizesDescriptorsAndEndRecords) {
  ZipWriter zip(/*zip64=*/true);
  zip.add("big.txt", std::string(90000, 'z'), Method::Deflate);
  zip.add("desc.txt", "described", Method::Deflate, ZipWriter::kDescriptor);
  zip.add("s.txt", "stored", Method::Stored);
  const std::string bytes = zip.finish();
  const std::vector<Entry> want = {
      {1, "big.txt", std::string(90000, 'z')}, {1, "desc.txt", "described"}, {1, "s.txt", "stored"}};
  for (size_t chunk : {0, 1}) {
    const Expansion x = expand(ArchiveFormat::Zip, bytes, chunk);
    EXPECT_EQ(x.entries, want);
    EXPECT_EQ(x.events, 0u);
  }
}

TEST(Zip, DataDescriptorWithoutSignature) {
  ZipWriter zip;
  zip.add("d.txt", "no signature", Method::Deflate, ZipWriter::kDescriptor);
  std::string bytes = zip.finish();
  bytes.erase(bytes.find("PK\x07\x08"), 4);  // optional per APPNOTE 4.3.9.3
  const Expansion x = expand(ArchiveFormat::Zip, bytes);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "d.txt", "no signature"}}));
  EXPECT_EQ(x.events, 0u);
}

TEST(Zip, EncryptedWithDescriptorStopsTheWalk) {
  ZipWriter zip;
  zip.add("locked", "ciphertext", Method::Deflate, ZipWriter::kEncrypted | ZipWriter::kDescriptor);
  zip.add("never-seen", "x", Method::Stored);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "locked", ""}}));
  EXPECT_EQ(x.events, bits({E::Encrypted}));
}

TEST(Zip, ZipInZipThreeDeepIsScannedAtEveryLevel) {
  const std::string z3 = zip_of("file.txt", "payload");
  const std::string z2 = zip_of("z3.zip", z3);
  const Expansion x = expand(ArchiveFormat::Zip, zip_of("z2.zip", z2));
  const std::vector<Entry> want = {{1, "z2.zip", z2}, {2, "z3.zip", z3}, {3, "file.txt", "payload"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, 0u);
  EXPECT_EQ(x.entry_count, 3u);
  expect_well_formed(x);
}

TEST(Zip, ZipInZipTenDeepTripsDepthLimit) {
  std::string nested = zip_of("leaf.txt", "leaf");
  for (int level = 10; level >= 2; --level) nested = zip_of("z" + std::to_string(level) + ".zip", nested);
  const Expansion x = expand(ArchiveFormat::Zip, nested);
  ASSERT_EQ(x.entries.size(), 5u);
  for (uint32_t depth = 1; depth <= 5; ++depth) {
    EXPECT_EQ(x.entries[depth - 1].depth, depth);
    EXPECT_EQ(x.entries[depth - 1].name, "z" + std::to_string(depth + 1) + ".zip");
  }
  EXPECT_TRUE(x.entries[4].data.empty());  // stopped before its bytes were handed over
  EXPECT_EQ(x.events, bits({E::DepthLimit}));
  EXPECT_TRUE(is_bomb(x.events));
  expect_well_formed(x);
}

TEST(Zip, LocalNameDifferentFromCentralName) {
  ZipWriter zip;
  zip.central(zip.add("a.exe", "MZ...", Method::Stored), "a.txt");
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  const std::vector<Entry> want = {{1, "a.exe", "MZ..."}};  // the bytes' own header wins
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, bits({E::NameMismatch}));
}

TEST(Zip, LocalEntryMissingFromCentralDirectory) {
  ZipWriter zip;
  zip.central(zip.add("shown.txt", "1", Method::Stored), "shown.txt");
  zip.add("hidden.exe", "2", Method::Stored);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  ASSERT_EQ(x.entries.size(), 2u);
  EXPECT_EQ(x.entries[1], (Entry{1, "hidden.exe", "2"}));
  EXPECT_EQ(x.events, bits({E::NameMismatch}));
}

TEST(Zip, CentralRecordsSharingOneLocalEntryOverlap) {
  ZipWriter zip;
  const size_t only = zip.add("0", std::string(5000, '0'), Method::Deflate);
  zip.central(only, "0");
  zip.central(only, "0");
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  EXPECT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.events, bits({E::OverlappingEntries}));
  EXPECT_TRUE(is_bomb(x.events));
}

TEST(Zip, CentralRecordPointingInsideAnotherEntryOverlaps) {
  ZipWriter zip;
  const size_t big = zip.add("big", std::string(5000, 'x'), Method::Stored);
  zip.central(big, "big");
  zip.central_at(big, zip.local_offset(big) + 100, "inner");
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  EXPECT_EQ(x.events, bits({E::OverlappingEntries}));
}

TEST(Zip, EncryptedEntryIsNamedButNotExpanded) {
  ZipWriter zip;
  zip.add("secret.txt", "ciphertext", Method::Stored, ZipWriter::kEncrypted);
  zip.add("plain.txt", "visible", Method::Deflate);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  const std::vector<Entry> want = {{1, "secret.txt", ""}, {1, "plain.txt", "visible"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, bits({E::Encrypted}));
}

TEST(Zip, UnsupportedMethodIsNamedAndSkipped) {
  ZipWriter zip;
  zip.add("x.bz", "not really bzip2", Method::Bzip2InZip);
  zip.add("y.txt", "y", Method::Stored);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  const std::vector<Entry> want = {{1, "x.bz", ""}, {1, "y.txt", "y"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, bits({E::UnsupportedMethod}));
}

TEST(Zip, StoredWithDescriptorPassesTheRestRaw) {
  ZipWriter zip;
  zip.add("s.txt", "stored-bytes", Method::Stored, ZipWriter::kDescriptor);
  const std::string bytes = zip.finish();
  const size_t header = 30 + 5;
  const Expansion x = expand(ArchiveFormat::Zip, bytes);
  const std::vector<Entry> want = {{1, "s.txt", bytes.substr(header)}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, bits({E::StoredWithDescriptor}));
}

TEST(Zip, ConcatenatedZipsAreBothWalked) {
  ZipWriter second;
  second.add("second.txt", "2nd", Method::Deflate);
  const Expansion x = expand(ArchiveFormat::Zip, zip_of("first.txt", "1st") + second.finish());
  const std::vector<Entry> want = {{1, "first.txt", "1st"}, {1, "second.txt", "2nd"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, bits({E::TrailingData}));  // second directory checked against its own zip
}

TEST(Zip, JunkAfterEndRecordIsTrailingData) {
  for (const std::string junk : {"xy", "junk after the end"}) {
    const Expansion x = expand(ArchiveFormat::Zip, zip_of("a", "b") + junk);
    EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "a", "b"}}));
    EXPECT_EQ(x.events, bits({E::TrailingData}));
  }
}

TEST(Zip, TruncatedEntryIsCorruptAndClosed) {
  const std::string bytes = zip_of("big.txt", std::string(200000, 'q') + "end");
  const Expansion x = expand(ArchiveFormat::Zip, bytes.substr(0, 200));
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].name, "big.txt");
  EXPECT_EQ(x.entries[0].data, std::string(x.entries[0].data.size(), 'q'));
  EXPECT_EQ(x.events, bits({E::Corrupt}));
  expect_well_formed(x);
}

TEST(Zip, EveryTruncationIsFlaggedAndBalanced) {
  const std::string bytes = zip_of("z2.zip", two_entry_zip());
  for (size_t len = 0; len < bytes.size(); ++len) {
    const Expansion x = expand(ArchiveFormat::Zip, std::string_view(bytes).substr(0, len));
    EXPECT_NE(x.events & bits({E::Corrupt}), 0u) << "length " << len;
    expect_well_formed(x);
  }
}

TEST(Zip, CorruptDeflateOfKnownSizeIsSkipped) {
  ZipWriter zip;
  zip.add("bad", "\xff\xff\xff\xff garbage", Method::Stored);
  std::string bytes = zip.finish();
  bytes[8] = 8;  // claim deflate for bytes that are not
  const Expansion x = expand(ArchiveFormat::Zip, bytes);
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].name, "bad");
  EXPECT_EQ(x.events, bits({E::Corrupt}));
  expect_well_formed(x);
}

TEST(Zip, GarbageIsCorrupt) {
  const Expansion x = expand(ArchiveFormat::Zip, "PK\x03\x09 this is not a zip at all");
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, bits({E::Corrupt}));
}

TEST(Zip, NamesAreSanitised) {
  ZipWriter zip;
  zip.add(std::string("a\x01" "b\n.txt\x7f"), "x", Method::Stored);
  const Expansion x = expand(ArchiveFormat::Zip, zip.finish());
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].name, "a_b_.txt_");
}

TEST(Zip, LongNamesAreCut) {
  ArchiveLimits limits;
  limits.max_name_bytes = 8;
  const Expansion x = expand(ArchiveFormat::Zip, zip_of("abcdefghijklmnop.txt", "x"), 0, limits);
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].name, "abcdefgh");
}

}  // namespace
}  // namespace sluice::archive::test
