// Greylist: the life of a triplet (first sight, early retry, accepted retry, late retry, lifetime), what a
// triplet is made of (client prefix, sender, recipient, case), and the bounded table (eviction, expiry).
#include "scan/envelope/greylist.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::scan::envelope {
namespace {

constexpr uint64_t kS = 1'000'000'000;
constexpr uint64_t kT0 = 1'000'000 * kS;  // an arbitrary monotonic clock reading

ClientAddress at(const char* text) { return *ClientAddress::parse(text); }

control::GreylistSettings enabled_settings() {
  control::GreylistSettings settings;
  settings.enabled = true;
  settings.delay_s = 300;
  settings.retry_window_s = 3600;
  settings.lifetime_s = 86400;
  settings.max_entries = 1024;
  return settings;
}

// A fixed key keeps runs reproducible; the keying itself is SipHash's business.
Greylist make(const control::GreylistSettings& settings) { return Greylist(settings, {0x1234, 0x5678}); }

std::string greylisted(const std::string& recipient, int seconds) {
  return "4.7.1 <" + recipient + ">: Recipient address rejected: Greylisted, try again in " + std::to_string(seconds) +
         " seconds";
}

TEST(Greylist, FirstSightIsRefusedWithTheWholeDelay) {
  Greylist greylist = make(enabled_settings());
  const EnvelopeDecision decision = greylist.check(at("192.0.2.1"), "a@sender.example", "b@example.com", kT0);
  EXPECT_TRUE(decision.refuse);
  EXPECT_EQ(decision.code, 451);
  EXPECT_EQ(decision.reply, greylisted("b@example.com", 300));
  EXPECT_EQ(decision.rule, "greylist");
  EXPECT_EQ(greylist.size(), 1u);
}

TEST(Greylist, RetryBeforeTheDelayIsRefusedWithTheSecondsLeft) {
  Greylist greylist = make(enabled_settings());
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  EXPECT_EQ(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 100 * kS).reply,
            greylisted("b@example.com", 200));
  // Rounded up: 0.5 s left reads 1 second, never 0.
  EXPECT_EQ(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 299 * kS + kS / 2).reply,
            greylisted("b@example.com", 1));
  // An early retry does not restart the clock.
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 300 * kS).refuse);
}

TEST(Greylist, RetryAfterTheDelayPassesAndIsRemembered) {
  Greylist greylist = make(enabled_settings());
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  const EnvelopeDecision passed = greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 301 * kS);
  EXPECT_FALSE(passed.refuse);
  EXPECT_EQ(passed.code, 0);
  EXPECT_EQ(passed.reply, "");
  // Remembered: later messages pass at once, even long after the retry window, within the lifetime.
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 302 * kS).refuse);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 20000 * kS).refuse);
  EXPECT_EQ(greylist.size(), 1u);
}

TEST(Greylist, RetryAfterTheWindowStartsOver) {
  Greylist greylist = make(enabled_settings());
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  const uint64_t late = kT0 + 3601 * kS;
  EXPECT_EQ(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", late).reply,
            greylisted("b@example.com", 300));
  EXPECT_TRUE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", late + 299 * kS).refuse);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", late + 300 * kS).refuse);
}

TEST(Greylist, RetryAtTheWindowsEdgeStillCounts) {
  Greylist greylist = make(enabled_settings());
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 3600 * kS).refuse);
}

TEST(Greylist, PassedTripletIsForgottenALifetimeAfterItsLastUse) {
  Greylist greylist = make(enabled_settings());
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 400 * kS);  // passes
  // Each use extends the lifetime.
  const uint64_t used = kT0 + 400 * kS + 86000 * kS;
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", used).refuse);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", used + 86400 * kS).refuse);
  const uint64_t forgotten = used + 86400 * kS + 86401 * kS;
  EXPECT_EQ(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", forgotten).reply,
            greylisted("b@example.com", 300));
}

TEST(Greylist, SiblingClientAddressesShareATriplet) {
  Greylist greylist = make(enabled_settings());  // ipv4-prefix 24, ipv6-prefix 64
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  EXPECT_FALSE(greylist.check(at("192.0.2.254"), "a@s.example", "b@example.com", kT0 + 301 * kS).refuse);
  EXPECT_TRUE(greylist.check(at("192.0.3.1"), "a@s.example", "b@example.com", kT0 + 302 * kS).refuse);
  greylist.check(at("2001:db8:1:2::1"), "a@s.example", "b@example.com", kT0);
  EXPECT_FALSE(greylist.check(at("2001:db8:1:2:ffff::9"), "a@s.example", "b@example.com", kT0 + 301 * kS).refuse);
  EXPECT_TRUE(greylist.check(at("2001:db8:1:3::1"), "a@s.example", "b@example.com", kT0 + 302 * kS).refuse);
  // The mapped spelling of an IPv4 client is the same client.
  EXPECT_FALSE(greylist.check(at("::ffff:192.0.2.77"), "a@s.example", "b@example.com", kT0 + 303 * kS).refuse);
}

TEST(Greylist, PrefixLengthsAreSettings) {
  control::GreylistSettings settings = enabled_settings();
  settings.ipv4_prefix = 32;
  settings.ipv6_prefix = 128;
  Greylist greylist = make(settings);
  greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0);
  EXPECT_TRUE(greylist.check(at("192.0.2.2"), "a@s.example", "b@example.com", kT0 + 301 * kS).refuse);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 302 * kS).refuse);
  settings.ipv4_prefix = 8;
  Greylist wide = make(settings);
  wide.check(at("10.1.1.1"), "a@s.example", "b@example.com", kT0);
  EXPECT_FALSE(wide.check(at("10.200.3.4"), "a@s.example", "b@example.com", kT0 + 301 * kS).refuse);
}

TEST(Greylist, SenderAndRecipientAreCaseInsensitiveAndDistinct) {
  Greylist greylist = make(enabled_settings());
  greylist.check(at("192.0.2.1"), "A@S.example", "B@Example.com", kT0);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0 + 301 * kS).refuse);
  EXPECT_TRUE(greylist.check(at("192.0.2.1"), "other@s.example", "b@example.com", kT0 + 302 * kS).refuse);
  EXPECT_TRUE(greylist.check(at("192.0.2.1"), "a@s.example", "c@example.com", kT0 + 303 * kS).refuse);
  // The sender/recipient boundary is part of the key.
  greylist.check(at("192.0.2.1"), "ab", "c", kT0);
  EXPECT_TRUE(greylist.check(at("192.0.2.1"), "a", "bc", kT0 + 301 * kS).refuse);
  // The null sender is a sender like any other (bounces get greylisted too).
  greylist.check(at("192.0.2.1"), "", "b@example.com", kT0);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "", "b@example.com", kT0 + 301 * kS).refuse);
}

TEST(Greylist, ZeroDelayPassesAtOnceAndRemembers) {
  control::GreylistSettings settings = enabled_settings();
  settings.delay_s = 0;
  Greylist greylist = make(settings);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0).refuse);
  EXPECT_EQ(greylist.size(), 1u);
}

TEST(Greylist, DisabledPassesEverythingAndHoldsNothing) {
  control::GreylistSettings settings = enabled_settings();
  settings.enabled = false;
  Greylist greylist = make(settings);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), "a@s.example", "b@example.com", kT0).refuse);
  EXPECT_EQ(greylist.size(), 0u);
  EXPECT_EQ(greylist.capacity(), 0u);
}

TEST(Greylist, FullTableEvictsTheLeastRecentlySeen) {
  Greylist greylist = make(enabled_settings());  // max-entries 1024
  ASSERT_EQ(greylist.capacity(), 1024u);
  const auto sender = [](int i) { return "s" + std::to_string(i) + "@sender.example"; };
  for (int i = 0; i < 1024; ++i) greylist.check(at("192.0.2.1"), sender(i), "b@example.com", kT0 + i * kS / 1000);
  EXPECT_EQ(greylist.size(), 1024u);
  // Triplet 0 is seen again (and passes), so triplet 1 becomes the oldest.
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), sender(0), "b@example.com", kT0 + 301 * kS).refuse);
  greylist.check(at("192.0.2.1"), sender(5000), "b@example.com", kT0 + 302 * kS);  // evicts triplet 1
  EXPECT_EQ(greylist.size(), 1024u);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), sender(0), "b@example.com", kT0 + 303 * kS).refuse);
  EXPECT_FALSE(greylist.check(at("192.0.2.1"), sender(2), "b@example.com", kT0 + 304 * kS).refuse);
  // Triplet 1 was forgotten: it is new again (and evicts triplet 3, now the oldest).
  EXPECT_EQ(greylist.check(at("192.0.2.1"), sender(1), "b@example.com", kT0 + 305 * kS).reply,
            greylisted("b@example.com", 300));
  EXPECT_EQ(greylist.size(), 1024u);
}

TEST(Greylist, ChurnFarBeyondCapacityKeepsEveryRecentTripletFindable) {
  // Many evictions shift probe chains; every triplet still in the table must stay findable.
  Greylist greylist = make(enabled_settings());
  const auto sender = [](int i) { return "s" + std::to_string(i) + "@x.example"; };
  uint64_t now = kT0;
  for (int i = 0; i < 20000; ++i) greylist.check(at("192.0.2.1"), sender(i), "r@example.com", now += kS / 1000);
  EXPECT_EQ(greylist.size(), 1024u);
  now += 301 * kS;
  // The last 1024 are remembered: each retry passes (and, being passed, stays).
  for (int i = 20000 - 1024; i < 20000; ++i) {
    EXPECT_FALSE(greylist.check(at("192.0.2.1"), sender(i), "r@example.com", now).refuse) << i;
  }
  EXPECT_TRUE(greylist.check(at("192.0.2.1"), sender(20000 - 1025), "r@example.com", now).refuse);
}

TEST(Greylist, DeadTripletsLeaveWithoutASweep) {
  Greylist greylist = make(enabled_settings());
  for (int i = 0; i < 100; ++i) greylist.check(at("192.0.2.1"), "s" + std::to_string(i) + "@x", "r@example.com", kT0);
  EXPECT_EQ(greylist.size(), 100u);
  // Past the retry window every pending triplet is dead; each check retires up to two at the old end.
  for (int i = 0; i < 50; ++i) greylist.check(at("198.51.100.1"), "new@x", "r@example.com", kT0 + 3601 * kS + i);
  EXPECT_EQ(greylist.size(), 1u);
}

}  // namespace
}  // namespace sluice::scan::envelope
