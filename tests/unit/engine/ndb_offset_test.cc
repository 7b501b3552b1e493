// .ndb offsets (absolute, windowed, approximated) and target-type filtering.
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace sluice::engine {
namespace {

using namespace std::string_literals;
using testing::Names;
using testing::ndb_hits;

const Names kHit{"Sig"};
const Names kMiss{};

TEST(NdbOffset, AbsoluteFixedWidthPinsTheStart) {
  EXPECT_EQ(ndb_hits({"Sig:0:5:414243"}, "01234ABC"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:5:414243"}, "0123ABCxx"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:5:414243"}, "012345ABC"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:3:414243"}, "ABCABC"), kHit);  // a wrong-offset copy comes first
  EXPECT_EQ(ndb_hits({"Sig:0:0:4d5a"}, "MZ\x90\x00"s), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:0:4d5a"}, "xMZ"), kMiss);
}

TEST(NdbOffset, AbsoluteFixedWidthWindow) {
  const std::string_view sig = "Sig:0:5,3:414243";
  EXPECT_EQ(ndb_hits({sig}, "0123ABC........."), kMiss);
  EXPECT_EQ(ndb_hits({sig}, "01234ABC........"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "01234567ABC....."), kHit);
  EXPECT_EQ(ndb_hits({sig}, "012345678ABC...."), kMiss);
}

TEST(NdbOffset, AbsoluteFixedWidthWithWildcards) {
  EXPECT_EQ(ndb_hits({"Sig:0:2:41??43"}, "..AxC"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:2:41??43"}, "...AxC"), kMiss);
}

TEST(NdbOffset, AbsoluteVariableWidthUsesAnchor) {
  const std::string_view sig = "Sig:0:5:4142*4344";
  EXPECT_EQ(ndb_hits({sig}, "01234ABxxxCD"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "01234ABCD"), kHit);
  EXPECT_EQ(ndb_hits({sig}, "0123ABxxCD"), kMiss);
  EXPECT_EQ(ndb_hits({sig}, "012345ABxxCD"), kMiss);
  const std::string_view window = "Sig:0:5,2:4142{1-3}4344";
  EXPECT_EQ(ndb_hits({window}, "0123456ABxCD"), kHit);
  EXPECT_EQ(ndb_hits({window}, "01234567ABxCD"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:0:0:4142*4344"}, "ABxxCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:0:0:4142*4344"}, "xABxxCD"), kMiss);
}

TEST(NdbOffset, VariableWidthOffsetBeyondLimitIsRejected) {
  SignatureLimits limits;
  limits.max_gap_bytes = 100;
  SignatureSet set(limits);
  std::string error;
  EXPECT_FALSE(set.add_ndb_line("Sig:0:90,20:4142*4344", &error));
  EXPECT_EQ(error, "signature 'Sig': absolute offset 110 exceeds the limit for a variable-width signature");
  EXPECT_TRUE(set.add_ndb_line("Fixed:0:90000:41424344", &error)) << error;  // end bounds: no limit
}

TEST(NdbOffset, StreamUnknowableOffsetsLoadAsAnywhereAndAreCounted) {
  SignatureSet set;
  std::string error;
  for (std::string_view line :
       {"A:0:EOF-10:41424301", "B:0:EP+0:41424302", "C:0:EP-4,8:41424303", "D:0:S1+4:41424304",
        "E:0:SL+2:41424305", "F:0:SE1:41424306", "G:0:VI:41424307", "H:0:*:41424308"}) {
    ASSERT_TRUE(set.add_ndb_line(line, &error)) << line << ": " << error;
  }
  EXPECT_EQ(set.stats().approximated, 7u);
  EXPECT_EQ(set.stats().body, 8u);
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(testing::scan_both_ways(*db, "....................ABC\x01 ABC\x04 ABC\x08"s),
            (Names{"A", "D", "H"}));
}

TEST(NdbTargetType, PeSignatureNeedsPeContent) {
  const std::string pe = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 ABCD"s;
  EXPECT_EQ(ndb_hits({"Sig:1:*:41424344"}, pe), kHit);
  EXPECT_EQ(ndb_hits({"Sig:1:*:41424344"}, "just some text with ABCD in it"), kMiss);
  EXPECT_EQ(ndb_hits({"Sig:6:*:41424344"}, pe), kMiss);  // ELF signature, PE content
}

TEST(NdbTargetType, TextualTargetsMatchTextAndHtml) {
  const std::string text = "Dear customer, ABCD is waiting";
  const std::string html = "<html><body>ABCD</body></html>";
  const std::string elf = "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00 ABCD"s;
  for (std::string_view line : {"Sig:3:*:41424344", "Sig:4:*:41424344", "Sig:7:*:41424344"}) {
    EXPECT_EQ(ndb_hits({line}, text), kHit) << line;
    EXPECT_EQ(ndb_hits({line}, html), kHit) << line;
    EXPECT_EQ(ndb_hits({line}, elf), kMiss) << line;
  }
  EXPECT_EQ(ndb_hits({"Sig:0:*:41424344"}, elf), kHit);
}

TEST(NdbTargetType, StreamsShorterThanTheSniffWindow) {
  EXPECT_EQ(ndb_hits({"Sig:1:*:41424344"}, "MZABCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:7:*:41424344"}, "ABCD"), kHit);
  EXPECT_EQ(ndb_hits({"Sig:1:*:41424344"}, "ABCD"), kMiss);
}

TEST(NdbTargetType, ScannerReportsSniffedType) {
  SignatureSet set;
  set.add_builtin_eicar();
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  Scratch scratch(*db);
  StreamScanner scanner(*db, scratch);
  testing::scan_in_chunks(scanner, *db, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", 3);
  EXPECT_EQ(scanner.content_type(), ContentType::Pdf);
  testing::scan_in_chunks(scanner, *db, "", 1);
  EXPECT_EQ(scanner.content_type(), ContentType::Unknown);
}

}  // namespace
}  // namespace sluice::engine
