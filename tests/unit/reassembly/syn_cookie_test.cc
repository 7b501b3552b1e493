// SYN cookies (RFC 4987) and the SipHash-2-4 they use.
#include <gtest/gtest.h>

#include <cstdint>

#include "reassembly/syn_cookie.h"

namespace sluice::reassembly {
namespace {

constexpr uint64_t kMinute = 60'000'000'000ull;

struct Fixture {
  uint8_t key[16];
  CookieTuple tuple{};
  Fixture() {
    for (int i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
    tuple.client_addr[15] = 1;
    tuple.server_addr[15] = 2;
    tuple.client_port = 40000;
    tuple.server_port = 25;
  }
};

TEST(SipHash, MatchesReferenceVectors) {
  // Vectors from the SipHash paper's reference implementation: key 00..0f, message 00..n-1.
  uint8_t key[16], message[64];
  for (int i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 64; ++i) message[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(siphash24(key, message, 0), 0x726fdb47dd0e0e31ull);
  EXPECT_EQ(siphash24(key, message, 1), 0x74f839c593dc67fdull);
  EXPECT_EQ(siphash24(key, message, 15), 0xa129ca6149be45e5ull);
  EXPECT_EQ(siphash24(key, message, 63), 0x958a324ceb064572ull);
}

TEST(SynCookies, RoundTripsEveryMssIndex) {
  Fixture f;
  SynCookies cookies(f.key);
  const uint64_t now = 5 * kMinute + 123;
  const uint16_t offered[] = {100, 536, 1219, 1220, 1439, 1440, 1460, 9000};
  const uint16_t expected[] = {536, 536, 536, 1220, 1220, 1440, 1460, 1460};
  for (int i = 0; i < 8; ++i) {
    const uint32_t cookie = cookies.make(f.tuple, 777, offered[i], now);
    EXPECT_EQ(cookie >> 27, 5u);
    uint16_t mss = 0;
    ASSERT_TRUE(cookies.check(f.tuple, 777, cookie, now, &mss)) << offered[i];
    EXPECT_EQ(mss, expected[i]);
  }
}

TEST(SynCookies, ValidForTheNextPeriodOnly) {
  Fixture f;
  SynCookies cookies(f.key);
  const uint32_t cookie = cookies.make(f.tuple, 1, 1460, 10 * kMinute);
  uint16_t mss = 0;
  EXPECT_TRUE(cookies.check(f.tuple, 1, cookie, 10 * kMinute + kMinute - 1, &mss));
  EXPECT_TRUE(cookies.check(f.tuple, 1, cookie, 11 * kMinute + kMinute - 1, &mss));
  EXPECT_FALSE(cookies.check(f.tuple, 1, cookie, 12 * kMinute, &mss));
  EXPECT_FALSE(cookies.check(f.tuple, 1, cookie, 42 * kMinute, &mss));  // same counter mod 32
}

TEST(SynCookies, AnyChangedInputFails) {
  Fixture f;
  SynCookies cookies(f.key);
  const uint64_t now = 3 * kMinute;
  const uint32_t cookie = cookies.make(f.tuple, 99, 1440, now);
  uint16_t mss = 0;
  EXPECT_FALSE(cookies.check(f.tuple, 100, cookie, now, &mss));  // other client ISN
  for (uint32_t bit = 0; bit < 32; ++bit) EXPECT_FALSE(cookies.check(f.tuple, 99, cookie ^ (1u << bit), now, &mss)) << bit;
  CookieTuple other = f.tuple;
  other.client_port = 40001;
  EXPECT_FALSE(cookies.check(other, 99, cookie, now, &mss));
  other = f.tuple;
  other.server_addr[0] = 1;
  EXPECT_FALSE(cookies.check(other, 99, cookie, now, &mss));
  uint8_t other_key[16] = {};
  SynCookies other_cookies(other_key);
  EXPECT_FALSE(other_cookies.check(f.tuple, 99, cookie, now, &mss));
}

}  // namespace
}  // namespace sluice::reassembly
