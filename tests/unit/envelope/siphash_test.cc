// SipHash-2-4 against the reference vectors of the paper (key 00..0f, messages 00, 00 01, ...), fed whole
// and in pieces.
#include "scan/envelope/siphash.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace sluice::scan::envelope {
namespace {

constexpr uint64_t kKey0 = 0x0706050403020100ULL;
constexpr uint64_t kKey1 = 0x0f0e0d0c0b0a0908ULL;

uint64_t hash_of(const std::vector<uint8_t>& message, size_t piece) {
  SipHasher hasher(kKey0, kKey1);
  for (size_t i = 0; i < message.size(); i += piece) hasher.update(message.data() + i, std::min(piece, message.size() - i));
  return hasher.finish();
}

std::vector<uint8_t> counting(size_t length) {
  std::vector<uint8_t> message(length);
  for (size_t i = 0; i < length; ++i) message[i] = static_cast<uint8_t>(i);
  return message;
}

TEST(SipHash, ReferenceVectors) {
  EXPECT_EQ(hash_of(counting(0), 1), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(hash_of(counting(15), 1), 0xa129ca6149be45e5ULL);
}

TEST(SipHash, PiecesDoNotChangeTheHash) {
  for (size_t length : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 63u, 64u, 100u}) {
    const uint64_t whole = hash_of(counting(length), length == 0 ? 1 : length);
    for (size_t piece : {1u, 3u, 8u, 13u}) EXPECT_EQ(hash_of(counting(length), piece), whole) << length << "/" << piece;
  }
}

TEST(SipHash, KeyAndLengthMatter) {
  SipHasher a(1, 2), b(1, 3);
  a.update("x");
  b.update("x");
  EXPECT_NE(a.finish(), b.finish());
  EXPECT_NE(hash_of({0}, 1), hash_of({0, 0}, 1));
}

}  // namespace
}  // namespace sluice::scan::envelope
