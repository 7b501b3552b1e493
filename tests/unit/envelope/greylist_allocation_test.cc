// "No allocation after construction" for the greylist: first sights, refusals, passes, evictions and
// expiry all run on the memory taken by the constructor. This binary replaces the global operator new to
// count calls, so it is its own executable.
#include <gtest/gtest.h>

#include <string>

#include "scan/envelope/greylist.h"
#include "tests/unit/reassembly/allocation_counter.h"

namespace sluice::scan::envelope {
namespace {

constexpr uint64_t kS = 1'000'000'000;

TEST(GreylistAllocation, ChecksAllocateNothingAfterConstruction) {
  control::GreylistSettings settings;
  settings.enabled = true;
  settings.delay_s = 60;
  settings.retry_window_s = 600;
  settings.lifetime_s = 3600;
  settings.max_entries = 1024;
  Greylist greylist(settings);
  const ClientAddress v4 = *ClientAddress::parse("192.0.2.1");
  const ClientAddress v6 = *ClientAddress::parse("2001:db8::1");
  // Senders and recipients made up front, in a fixed buffer: the loop itself builds no strings.
  char sender[64] = "s0000@sender.example";
  const std::string long_recipient(300, 'r');
  EnvelopeDecision decision;
  decision.reply.reserve(512);  // the caller's decision, reused: room for the longest reply
  uint64_t refused = 0, passed = 0;

  const auto check = [&](int i, uint64_t now_ns) {
    sender[1] = static_cast<char>('0' + i % 10);
    sender[2] = static_cast<char>('0' + i / 10 % 10);
    sender[3] = static_cast<char>('0' + i / 100 % 10);
    sender[4] = static_cast<char>('0' + i / 1000 % 10);
    const std::string_view recipient = i % 7 == 0 ? std::string_view(long_recipient) : "b@example.com";
    greylist.check(i % 2 ? v4 : v6, sender, recipient, now_ns, &decision);
    (decision.refuse ? refused : passed) += 1;
  };

  const uint64_t before = g_allocations.load();
  uint64_t now = 1000 * kS;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) check(i, now += kS / 100);  // far beyond max-entries: evictions all along
    now += 70 * kS;  // past the delay: retries of the most recent triplets pass
    for (int i = 4500; i < 5000; ++i) check(i, now += kS / 100);
  }
  now += 7200 * kS;  // everything expired: lazy expiry on the next checks
  for (int i = 0; i < 100; ++i) greylist.check(v4, sender, "b@example.com", now + i, &decision);
  const uint64_t during = g_allocations.load() - before;

  EXPECT_EQ(during, 0u);
  EXPECT_GT(refused, 0u);
  EXPECT_GT(passed, 0u);
  EXPECT_LE(greylist.size(), 1024u);
}

TEST(GreylistAllocation, APassingCheckByValueAllocatesNothing) {
  control::GreylistSettings settings;
  settings.enabled = true;
  settings.delay_s = 0;
  settings.max_entries = 1024;
  Greylist greylist(settings);
  const ClientAddress client = *ClientAddress::parse("192.0.2.1");
  const uint64_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const EnvelopeDecision decision = greylist.check(client, "a@s.example", "b@example.com", 1000 * kS + i);
    EXPECT_FALSE(decision.refuse);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

}  // namespace
}  // namespace sluice::scan::envelope
