// The hashed timing wheel: exact firing ticks, cancel, rounds, re-arming from the callback.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "reassembly/timer_wheel.h"

namespace sluice::reassembly {
namespace {

constexpr uint64_t kMs = 1'000'000;

struct Named : TimerEntry {
  int id = 0;
};

std::vector<int> advance(TimerWheel& wheel, uint64_t now) {
  std::vector<int> fired;
  wheel.advance(now, [&](TimerEntry* e) { fired.push_back(static_cast<Named*>(e)->id); });
  return fired;
}

TEST(TimerWheel, FiresAtDeadlineOnce) {
  TimerWheel wheel({.slots = 8, .tick_ns = kMs});
  Named a, b;
  a.id = 1;
  b.id = 2;
  wheel.schedule(&a, 3 * kMs);
  wheel.schedule(&b, 5 * kMs);
  EXPECT_EQ(wheel.size(), 2u);
  EXPECT_EQ(advance(wheel, 2 * kMs), std::vector<int>{});
  EXPECT_EQ(advance(wheel, 3 * kMs), std::vector<int>{1});
  EXPECT_FALSE(a.armed());
  EXPECT_EQ(advance(wheel, 4 * kMs), std::vector<int>{});
  EXPECT_EQ(advance(wheel, 9 * kMs), std::vector<int>{2});
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, CancelAndReschedule) {
  TimerWheel wheel({.slots = 8, .tick_ns = kMs});
  Named a;
  a.id = 1;
  wheel.schedule(&a, 2 * kMs);
  wheel.cancel(&a);
  wheel.cancel(&a);  // idempotent
  EXPECT_EQ(wheel.size(), 0u);
  EXPECT_EQ(advance(wheel, 3 * kMs), std::vector<int>{});
  wheel.schedule(&a, 6 * kMs);
  wheel.schedule(&a, 4 * kMs);  // moves it
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(advance(wheel, 4 * kMs), std::vector<int>{1});
}

TEST(TimerWheel, DeadlinesRoundsAwayWaitTheirTurn) {
  TimerWheel wheel({.slots = 4, .tick_ns = kMs});
  Named near, far;
  near.id = 1;
  far.id = 2;
  wheel.schedule(&near, 1 * kMs);
  wheel.schedule(&far, 9 * kMs);  // same slot as 1 ms, two turns later
  EXPECT_EQ(advance(wheel, 1 * kMs), std::vector<int>{1});
  EXPECT_EQ(advance(wheel, 5 * kMs), std::vector<int>{});
  EXPECT_EQ(advance(wheel, 8 * kMs), std::vector<int>{});
  EXPECT_EQ(advance(wheel, 9 * kMs), std::vector<int>{2});
}

TEST(TimerWheel, LongJumpFiresEverythingDue) {
  TimerWheel wheel({.slots = 4, .tick_ns = kMs});
  Named e[6];
  for (int i = 0; i < 6; ++i) {
    e[i].id = i;
    wheel.schedule(&e[i], static_cast<uint64_t>(i + 1) * 3 * kMs);  // 3, 6, ..., 18 ms
  }
  std::vector<int> fired = advance(wheel, 13 * kMs);
  std::sort(fired.begin(), fired.end());
  EXPECT_EQ(fired, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(wheel.size(), 2u);
  fired = advance(wheel, 100 * kMs);
  std::sort(fired.begin(), fired.end());
  EXPECT_EQ(fired, (std::vector<int>{4, 5}));
}

TEST(TimerWheel, CallbackMayRearmAndCancel) {
  TimerWheel wheel({.slots = 8, .tick_ns = kMs});
  Named a, b;
  a.id = 1;
  b.id = 2;
  wheel.schedule(&a, 2 * kMs);
  wheel.schedule(&b, 2 * kMs);
  int fires = 0;
  wheel.advance(2 * kMs, [&](TimerEntry* e) {
    ++fires;
    Named* n = static_cast<Named*>(e);
    if (n->id == 1) {
      wheel.cancel(&b);               // b is not fired
      wheel.schedule(&a, 2 * kMs + 8 * kMs);  // same slot, one turn later: not fired again now
    }
  });
  EXPECT_EQ(fires, 1);
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(advance(wheel, 9 * kMs), std::vector<int>{});
  EXPECT_EQ(advance(wheel, 10 * kMs), std::vector<int>{1});
}

TEST(TimerWheel, PastDeadlineFiresNextAdvance) {
  TimerWheel wheel({.slots = 8, .tick_ns = kMs}, 50 * kMs);
  Named a;
  a.id = 7;
  wheel.schedule(&a, 10 * kMs);
  EXPECT_EQ(advance(wheel, 50 * kMs), std::vector<int>{7});
}

}  // namespace
}  // namespace sluice::reassembly
