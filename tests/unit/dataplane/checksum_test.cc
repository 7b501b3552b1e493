#include "dataplane/checksum.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using test::hex;

// The IPv4 header of RFC 1071's usual worked example (Wikipedia "IPv4 header checksum"): checksum b861.
TEST(Checksum, Ipv4HeaderKnownValue) {
  Bytes h = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
  EXPECT_EQ(internet_checksum(h.data(), h.size()), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  EXPECT_TRUE(checksum_valid(h.data(), h.size()));
  EXPECT_TRUE(test::reference_verifies(h));
}

// RFC 1071 §3 numeric example: words 0001 f203 f4f5 f6f7 sum to ddf2 after the end-around carry.
TEST(Checksum, Rfc1071Example) {
  const Bytes d = hex("0001 f203 f4f5 f6f7");
  EXPECT_EQ(checksum_fold(checksum_add(0, d.data(), d.size())), 0xddf2);
  EXPECT_EQ(internet_checksum(d.data(), d.size()), static_cast<uint16_t>(~0xddf2));
}

TEST(Checksum, OddLengthPadsWithZero) {
  const Bytes d = hex("0102 03");
  EXPECT_EQ(checksum_fold(checksum_add(0, d.data(), d.size())), 0x0102 + 0x0300);
}

TEST(Checksum, AccumulatorAcrossOddPieces) {
  const Bytes whole = hex("0102 0304 0506 0708 090a ff");
  const uint16_t expected = internet_checksum(whole.data(), whole.size());
  for (size_t split = 0; split <= whole.size(); ++split) {
    for (size_t split2 = split; split2 <= whole.size(); ++split2) {
      ChecksumAccumulator acc;
      acc.add(whole.data(), split);
      acc.add(whole.data() + split, split2 - split);
      acc.add(whole.data() + split2, whole.size() - split2);
      EXPECT_EQ(acc.finish(), expected) << split << "," << split2;
    }
  }
}

TEST(Checksum, PseudoHeaderV4) {
  const Bytes src = hex("c0a80001"), dst = hex("0a000019");
  // 0xc0a8 + 0x0001 + 0x0a00 + 0x0019 + 6 + 20
  EXPECT_EQ(checksum_fold(pseudo_header_sum_v4(src.data(), dst.data(), 6, 20)),
            checksum_fold(0xc0a8 + 0x0001 + 0x0a00 + 0x0019 + 6 + 20));
}

TEST(Checksum, PseudoHeaderV6MatchesReferenceBuffer) {
  const Bytes src = hex("20010db8000000000000000000000001"), dst = hex("fe800000000000000000000000000002");
  Bytes pseudo = src;
  pseudo.insert(pseudo.end(), dst.begin(), dst.end());
  for (uint8_t b : hex("00012345 0000003a")) pseudo.push_back(b);
  const uint32_t reference = test::reference_ones_sum(pseudo);
  EXPECT_EQ(checksum_fold(pseudo_header_sum_v6(src.data(), dst.data(), 58, 0x12345)), reference);
}

// RFC 1624 §4's example: HC = 0xdd2f, m = 0x5555 → m' = 0x3285 gives HC' = 0x0000 by eqn. 3.
TEST(Checksum, Rfc1624Example) {
  EXPECT_EQ(checksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(Checksum, IncrementalEqualsFullRecomputation) {
  Bytes h = hex("4500 0073 1234 4000 4006 0000 c0a8 0001 c0a8 00c7");
  const uint16_t before = internet_checksum(h.data(), h.size());
  const Bytes new_dst = hex("0a 00 00 19");
  const uint16_t updated = checksum_update_bytes(before, h.data() + 16, new_dst.data(), 4);
  std::copy(new_dst.begin(), new_dst.end(), h.begin() + 16);
  EXPECT_EQ(updated, internet_checksum(h.data(), h.size()));
  const uint16_t updated16 = checksum_update16(updated, 0x4006, 0x3f06);  // TTL 64 → 63
  h[8] = 0x3f;
  EXPECT_EQ(updated16, internet_checksum(h.data(), h.size()));
}

}  // namespace
}  // namespace sluice::dataplane
