// tests/unit/dataplane/client_counts_test.cc — dataplane/client_counts: the per-client session counts behind
// max-connections-per-client (THREATS RES-2): counting, the IPv6 prefix key, and deletion that keeps every other
// client reachable however the probe runs interleave.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "dataplane/client_counts.h"

namespace sluice::dataplane {
namespace {

constexpr uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

TEST(ClientCounts, CountsEachClientApart) {
  ClientConnectionCounts counts;
  counts.init(16, kKey);
  const IpAddr a = ip("192.0.2.1"), b = ip("192.0.2.2");
  counts.add(a);
  counts.add(a);
  counts.add(b);
  EXPECT_EQ(counts.count(a), 2u);
  EXPECT_EQ(counts.count(b), 1u);
  EXPECT_EQ(counts.count(ip("192.0.2.3")), 0u);
  EXPECT_EQ(counts.clients(), 2u);
  counts.remove(a);
  counts.remove(b);
  EXPECT_EQ(counts.count(a), 1u);
  EXPECT_EQ(counts.count(b), 0u);
  EXPECT_EQ(counts.clients(), 1u);
  counts.remove(b);   // not there: ignored, nothing goes negative
  EXPECT_EQ(counts.count(b), 0u);
  EXPECT_EQ(counts.clients(), 1u);
}

TEST(ClientCounts, OffWhenSizedForNoSessions) {
  ClientConnectionCounts counts;
  counts.init(0, kKey);
  counts.add(ip("192.0.2.1"));
  EXPECT_EQ(counts.count(ip("192.0.2.1")), 0u);
  EXPECT_EQ(counts.clients(), 0u);
}

TEST(ClientCounts, Ipv6ClientsAreKeyedByTheirPrefix) {
  EXPECT_EQ(client_key(ip("2001:db8:1:2:aaaa::1"), 64), ip("2001:db8:1:2::"));
  EXPECT_EQ(client_key(ip("2001:db8:1:2:aaaa::1"), 64), client_key(ip("2001:db8:1:2:bbbb::7"), 64));
  EXPECT_NE(client_key(ip("2001:db8:1:2::1"), 64), client_key(ip("2001:db8:1:3::1"), 64));
  EXPECT_EQ(client_key(ip("2001:db8:1:2:aaaa::1"), 128), ip("2001:db8:1:2:aaaa::1"));
  EXPECT_EQ(client_key(ip("2001:db8:ffff::1"), 36), ip("2001:db8:f000::"));   // a prefix inside a byte
  EXPECT_EQ(client_key(ip("192.0.2.77"), 32), ip("192.0.2.77"));               // IPv4 is never cut
}

// Many clients come and go in random order against a model: after every step each client's count is right,
// which fails if a deletion ever cuts a probe run another client's slot depends on.
TEST(ClientCounts, RandomChurnMatchesAModel) {
  constexpr uint32_t kSessions = 512;
  ClientConnectionCounts counts;
  counts.init(kSessions, kKey);
  std::map<uint32_t, uint32_t> model;   // client number -> sessions
  std::mt19937 random(42);
  uint32_t live = 0;
  auto address = [](uint32_t n) {
    const uint8_t v4[4] = {10, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    return IpAddr::v4(v4);
  };
  for (int step = 0; step < 200000; ++step) {
    const uint32_t client = random() % 700;
    const bool open = live < kSessions && (model[client] == 0 || random() % 2 == 0);
    if (open) {
      counts.add(address(client));
      ++model[client];
      ++live;
    } else if (model[client] > 0) {
      counts.remove(address(client));
      --model[client];
      --live;
    }
    if (step % 997 == 0) {
      uint32_t clients = 0;
      for (const auto& [n, sessions] : model) {
        ASSERT_EQ(counts.count(address(n)), sessions) << "client " << n << " at step " << step;
        clients += sessions > 0;
      }
      ASSERT_EQ(counts.clients(), clients);
    }
  }
}

}  // namespace
}  // namespace sluice::dataplane
