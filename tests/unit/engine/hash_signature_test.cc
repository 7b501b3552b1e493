// .hdb / .hsb hash signatures: MD5, SHA-1, SHA-256, with and without size, and a database with
// no body patterns at all.
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace sluice::engine {
namespace {

using testing::Names;

// Digests of "abc" (FIPS 180 / RFC 1321 test vectors).
constexpr std::string_view kMd5Abc = "900150983cd24fb0d6963f7d28e17f72";
constexpr std::string_view kSha1Abc = "a9993e364706816aba3e25717850c26c9cd0d89d";
constexpr std::string_view kSha256Abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

Names hash_hits(std::initializer_list<std::string> lines, std::string_view bytes) {
  SignatureSet set;
  for (const std::string& line : lines) {
    std::string error;
    EXPECT_TRUE(set.add_hash_line(line, &error)) << line << ": " << error;
  }
  auto db = testing::compile_ok(set);
  if (db == nullptr) return {};
  return testing::scan_both_ways(*db, bytes);
}

TEST(HashSignature, Md5WithAndWithoutSize) {
  EXPECT_EQ(hash_hits({std::string(kMd5Abc) + ":3:Md5Abc"}, "abc"), Names{"Md5Abc"});
  EXPECT_EQ(hash_hits({std::string(kMd5Abc) + ":*:Md5Abc"}, "abc"), Names{"Md5Abc"});
  EXPECT_EQ(hash_hits({std::string(kMd5Abc) + ":4:Md5Abc"}, "abc"), Names{});
  EXPECT_EQ(hash_hits({std::string(kMd5Abc) + ":3:Md5Abc"}, "abd"), Names{});
}

TEST(HashSignature, Sha1AndSha256ByHexLength) {
  EXPECT_EQ(hash_hits({std::string(kSha1Abc) + ":3:Sha1Abc"}, "abc"), Names{"Sha1Abc"});
  EXPECT_EQ(hash_hits({std::string(kSha256Abc) + ":*:Sha256Abc:73"}, "abc"), Names{"Sha256Abc"});
  EXPECT_EQ(hash_hits({std::string(kSha256Abc) + ":2:Sha256Abc"}, "abc"), Names{});
}

TEST(HashSignature, UppercaseHexAndSeveralKindsAtOnce) {
  std::string upper(kSha1Abc);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(hash_hits({std::string(kMd5Abc) + ":3:A", upper + ":3:B",
                       std::string(kSha256Abc) + ":3:C",
                       "00000000000000000000000000000000:3:D"},
                      "abc"),
            (Names{"A", "B", "C"}));
}

TEST(HashSignature, Sha256IsAlwaysReported) {
  SignatureSet empty;
  auto db = testing::compile_ok(empty);
  ASSERT_NE(db, nullptr);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  testing::scan_in_chunks(scanner, *db, "abc", 1);
  EXPECT_EQ(scanner.sha256_hex(), kSha256Abc);
  EXPECT_EQ(scanner.bytes(), 3u);
  testing::scan_in_chunks(scanner, *db, "");
  EXPECT_EQ(scanner.sha256_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(scanner.hits().empty());
}

TEST(HashSignature, DatabaseWithoutBodyPatterns) {
  SignatureSet set;
  std::string error;
  ASSERT_TRUE(set.add_hash_line(std::string(kMd5Abc) + ":3:Md5Abc", &error)) << error;
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->stream_db(), nullptr);
  EXPECT_EQ(db->block_db(), nullptr);
  EXPECT_EQ(db->stream_state_bytes(), 0u);
  EXPECT_EQ(db->rule_count(), 1u);
  EXPECT_EQ(db->rule(0).kind, RuleKind::HashSignature);
  EXPECT_EQ(db->rule(0).score, 0);
  EXPECT_EQ(testing::scan_both_ways(*db, "abc"), Names{"Md5Abc"});
  EXPECT_EQ(set.stats().hash, 1u);
  EXPECT_EQ(set.stats().body, 0u);
}

struct BadHash {
  std::string line;
  std::string error;
};

class HashRejects : public ::testing::TestWithParam<BadHash> {};

TEST_P(HashRejects, WithClearError) {
  SignatureSet set;
  std::string error;
  EXPECT_FALSE(set.add_hash_line(GetParam().line, &error));
  EXPECT_EQ(error, GetParam().error);
  EXPECT_EQ(set.stats().hash, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, HashRejects,
    ::testing::Values(
        BadHash{std::string(kMd5Abc) + ":3", "expected HashHex:Size:Name[:MinFL[:MaxFL]]"},
        BadHash{std::string(kMd5Abc) + ":3::", "empty signature name"},
        BadHash{"abcd:3:Short",
                "signature 'Short': hash must be 32 (MD5), 40 (SHA-1) or 64 (SHA-256) hex digits"},
        BadHash{"z00150983cd24fb0d6963f7d28e17f72:3:NotHex", "signature 'NotHex': hash is not hexadecimal"},
        BadHash{std::string(kMd5Abc) + ":-3:BadSize", "signature 'BadSize': bad size '-3'"},
        BadHash{std::string(kMd5Abc) + ":3:BadFl:x", "signature 'BadFl': bad functionality level"}));

}  // namespace
}  // namespace sluice::engine
