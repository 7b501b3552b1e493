// Each .ndb hex-signature feature, against byte inputs fed whole and in 1-byte chunks.
#include <gtest/gtest.h>

#include "engine_test_support.h"
#include "scan/engine/ndb_hex.h"

namespace sluice::engine {
namespace {

using namespace std::string_literals;
using testing::Names;
using testing::ndb_hits;

const Names kHit{"Sig"};
const Names kMiss{};

TEST(NdbHex, TranslatesEveryByteAsEscape) {
  HexTranslation t;
  std::string error;
  ASSERT_TRUE(translate_hex_signature("41??4?", 100, &t, &error)) << error;
  EXPECT_EQ(t.regex, "\\x41.[\\x40-\\x4f]");
  EXPECT_EQ(t.min_width, 3u);
  EXPECT_EQ(t.max_width, 3u);
  EXPECT_EQ(t.literal_bytes, 1u);
  ASSERT_TRUE(translate_hex_signature("?aFF", 100, &t, &error)) << error;
  EXPECT_EQ(t.regex,
            "[\\x0a\\x1a\\x2a\\x3a\\x4a\\x5a\\x6a\\x7a\\x8a\\x9a\\xaa\\xba\\xca\\xda\\xea\\xfa]"
            "\\xff");
}

TEST(NdbHex, WidthsOfGapsAndAlternatives) {
  HexTranslation t;
  std::string error;
  ASSERT_TRUE(translate_hex_signature("4142{2-5}(43|444546)", 100, &t, &error)) << error;
  EXPECT_EQ(t.regex, "\\x41\\x42.{2,5}(?:\\x43|\\x44\\x45\\x46)");
  EXPECT_EQ(t.min_width, 5u);
  EXPECT_EQ(t.max_width, 10u);
  EXPECT_EQ(t.literal_bytes, 3u);
  EXPECT_FALSE(t.fixed_width());
  ASSERT_TRUE(translate_hex_signature("4142*43{3-}", 100, &t, &error)) << error;
  EXPECT_EQ(t.regex, "\\x41\\x42.*\\x43.{3,}");
  EXPECT_EQ(t.min_width, 6u);
  EXPECT_EQ(t.max_width, HexTranslation::kUnbounded);
  ASSERT_TRUE(translate_hex_signature("41{-4}42!(00|ff)", 100, &t, &error)) << error;
  EXPECT_EQ(t.regex, "\\x41.{0,4}\\x42[^\\x00\\xff]");
}

TEST(NdbSyntax, PlainBytesIncludingBinary) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:414243"}, "xxABCxx"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:414243"}, "xxABxCx"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:*:ff00FE"}, "\x01\xff\x00\xfe\x02"s), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:ff00FE"}, "\x01\xff\x01\xfe\x02"s), kMiss);
}

TEST(NdbSyntax, AnyByteWildcard) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:41??43"}, "A\0C"s), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:41??43"}, "A\nC"), kHit);  // DOTALL: newline is a byte too
  EXPECT_EQ(ndb_hits({"Sig:0:*:41??43"}, "AC"), kMiss);
}

TEST(NdbSyntax, NibbleWildcards) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:58594?5a"}, "XYAZ"), kHit);   // 0x41
  EXPECT_EQ(ndb_hits({"Sig:0:*:58594?5a"}, "XYOZ"), kHit);   // 0x4f
  EXPECT_EQ(ndb_hits({"Sig:0:*:58594?5a"}, "XYaZ"), kMiss);  // 0x61
  EXPECT_EQ(ndb_hits({"Sig:0:*:5859?15a"}, "XYaZ"), kHit);   // 0x61
  EXPECT_EQ(ndb_hits({"Sig:0:*:5859?15a"}, "XYQZ"), kHit);   // 0x51
  EXPECT_EQ(ndb_hits({"Sig:0:*:5859?15a"}, "XYbZ"), kMiss);  // 0x62
}

TEST(NdbSyntax, StarMatchesAnyRun) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142*4344"}, "ABCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142*4344"}, "AB" + std::string(5000, '\0') + "CD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142*4344"}, "CD AB"), kMiss);
}

TEST(NdbSyntax, ExactGap) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{2}4344"}, "ABxxCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{2}4344"}, "ABxCD"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{2}4344"}, "ABxxxCD"), kMiss);
}

TEST(NdbSyntax, RangeGap) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{1-2}4344"}, "ABCD"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{1-2}4344"}, "ABxCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{1-2}4344"}, "ABxxCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{1-2}4344"}, "ABxxxCD"), kMiss);
}

TEST(NdbSyntax, UpToGap) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{-2}4344"}, "ABCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{-2}4344"}, "ABxxCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{-2}4344"}, "ABxxxCD"), kMiss);
}

TEST(NdbSyntax, AtLeastGap) {
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{2-}4344"}, "ABxCD"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{2-}4344"}, "ABxxCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:*:4142{2-}4344"}, "AB" + std::string(300, 'x') + "CD"), kHit);
}

TEST(NdbSyntax, Alternatives) {
  const std::string_view sig = "Sig:0:*:5858(4142|43|444546)5959";
  EXPECT_EQ(ndb_hits({sig}, "XXABYY"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "XXCYY"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "XXDEFYY"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "XXDYY"), kMiss);
  EXPECT_EQ(ndb_hits({sig}, "XXYY"), kMiss);
}

TEST(NdbSyntax, AlternativesWithWildcards) {
  const std::string_view sig = "Sig:0:*:5858(4?|3132)5959";
  EXPECT_EQ(ndb_hits({sig}, "XXGYY"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "XX12YY"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "XX1YY"), kMiss);
}

TEST(NdbSyntax, SingleByteNegation) {
  const std::string_view sig = "Sig:0:*:5858!(41|42)5959";
  EXPECT_EQ(ndb_hits({sig}, "XXCYY"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "XXAYY"), kMiss);
  EXPECT_EQ(ndb_hits({sig}, "XXBYY"), kMiss);
}

TEST(NdbSyntax, HyperscanRejectionNamesTheSignature) {
  SignatureLimits limits;
  limits.max_gap_bytes = 40000;  // above what Hyperscan accepts, to reach its own check
  SignatureSet set(limits);
  std::string error;
  EXPECT_FALSE(set.add_ndb_line("Huge:0:*:4142{40000}4344", &error));
  EXPECT_EQ(error, "signature 'Huge': Bounded repeat is too large.");
  EXPECT_TRUE(set.add_ndb_line("Largest:0:*:4142{-32767}4344", &error)) << error;
}

// Every prefix of a line using every construct either loads or is rejected: never a crash or
// an out-of-bounds read (run under ASan to make that last part bite).
TEST(NdbSyntax, EveryTruncationIsHandled) {
  const std::string line = "Sig:3:10,4:4142??4?{2-3}(4344|?5)*!(46|47)4849{-2}4a4b{1-}4c4d:51:99";
  for (size_t length = 0; length <= line.size(); ++length) {
    SignatureSet set;
    std::string error;
    const bool loaded = set.add_ndb_line(std::string_view(line).substr(0, length), &error);
    EXPECT_EQ(loaded, error.empty()) << length << ": " << error;
    if (length == line.size()) {
      EXPECT_TRUE(loaded) << error;
    }
  }
}

struct BadLine {
  const char* line;
  const char* error;
};

class NdbRejects : public ::testing::TestWithParam<BadLine> {};

TEST_P(NdbRejects, WithClearError) {
  SignatureSet set;
  std::string error;
  EXPECT_FALSE(set.add_ndb_line(GetParam().line, &error));
  EXPECT_EQ(error, GetParam().error);
  EXPECT_EQ(set.stats().body, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, NdbRejects,
    ::testing::Values(
        BadLine{"Sig:0:*", "expected Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]"},
        BadLine{"Sig:0:*:4142:1:2:3",
                "expected Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]"},
        BadLine{":0:*:414243", "empty signature name"},
        BadLine{"Sig:8:*:414243", "signature 'Sig': unknown target type '8'"},
        BadLine{"Sig:x:*:414243", "signature 'Sig': unknown target type 'x'"},
        BadLine{"Sig:0:abc:414243", "signature 'Sig': bad offset 'abc'"},
        BadLine{"Sig:0:EOF-:414243", "signature 'Sig': bad offset 'EOF-'"},
        BadLine{"Sig:0:18446744073709551615:414243", "signature 'Sig': absolute offset beyond 4294967296"},
        BadLine{"Sig:0:100,18446744073709551615:414243", "signature 'Sig': absolute offset beyond 4294967296"},
        BadLine{"Sig:0:99999999999999999999:414243", "signature 'Sig': bad offset '99999999999999999999'"},
        BadLine{"Sig:0:*:414243:x", "signature 'Sig': bad functionality level"},
        BadLine{"Sig:0:*:41424", "signature 'Sig': hex signature: odd number of hex digits at character 5"},
        BadLine{"Sig:0:*:414g", "signature 'Sig': hex signature: invalid byte '4g' at character 3"},
        BadLine{"Sig:0:*:", "signature 'Sig': hex signature: empty hex signature at character 1"},
        BadLine{"Sig:0:*:4142{2", "signature 'Sig': hex signature: unterminated '{' at character 5"},
        BadLine{"Sig:0:*:4142{a}43", "signature 'Sig': hex signature: bad number in gap '{a}' at character 5"},
        BadLine{"Sig:0:*:4142{5-2}43", "signature 'Sig': hex signature: gap lower bound above upper bound at character 5"},
        BadLine{"Sig:0:*:4142{-}43", "signature 'Sig': hex signature: empty gap '{-}' at character 5"},
        BadLine{"Sig:0:*:4142{99999}43", "signature 'Sig': hex signature: gap bound 99999 exceeds limit at character 5"},
        BadLine{"Sig:0:*:4142(43|44", "signature 'Sig': hex signature: unterminated '(' at character 11"},
        BadLine{"Sig:0:*:4142(43|)", "signature 'Sig': hex signature: empty alternative at character 9"},
        BadLine{"Sig:0:*:4142(43*44)", "signature 'Sig': hex signature: '*' inside alternatives is not supported at character 8"},
        BadLine{"Sig:0:*:4142!(4344|45)", "signature 'Sig': hex signature: negated alternatives must each be one fully specified byte at character 11"},
        BadLine{"Sig:0:*:4142[1-2]43", "signature 'Sig': hex signature: unsupported construct '[' at character 5"},
        BadLine{"Sig:0:*:41??", "signature 'Sig': needs at least 2 fully specified bytes"},
        BadLine{"Sig:0:*:(41|42)??", "signature 'Sig': needs at least 2 fully specified bytes"}));

}  // namespace
}  // namespace sluice::engine
