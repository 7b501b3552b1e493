// Fault injection on the TLS worker pool (tls/pool_stall.h, tls/pool_registry.h; `diagnose tls stall`): a stall
// is one at a time per worker, counted, cut short by stop; a stalled worker services nothing (a handshake kicked
// during the stall makes no progress) and after it every kick it missed is serviced; requests out of range are
// refused with the operator's words; a pool is on the process registry exactly while it lives.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/unit/tls/tls_fixture.h"
#include "tests/unit/tls_pool/pool_harness.h"
#include "tls/pool_registry.h"
#include "tls/pool_stall.h"

namespace sluice::tls::test {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t ms_since(Clock::time_point t) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

TEST(StallSwitch, OneAtATimeCountedAndReusable) {
  StallSwitch stall;
  TlsWorkerStats stats;
  std::atomic<bool> stop{false};
  EXPECT_EQ(stall.take(stop, stats), 0u) << "nothing asked for: no stall";
  EXPECT_EQ(stats.stalls_injected.load(), 0u);

  ASSERT_EQ(stall.request(120), StallSwitch::Request::Accepted);
  EXPECT_EQ(stall.remaining_ms(), 120u) << "asked for, not started: all of it is still to come";
  EXPECT_EQ(stall.request(50), StallSwitch::Request::Busy) << "a second request would stretch the first";
  const Clock::time_point t0 = Clock::now();
  const uint64_t stalled = stall.take(stop, stats);
  const uint64_t took = ms_since(t0);
  EXPECT_GE(stalled, 120u);
  EXPECT_GE(took, 120u);
  EXPECT_LT(took, 2000u);
  EXPECT_EQ(stats.stalls_injected.load(), 1u);
  EXPECT_EQ(stats.stalled_ms.load(), stalled);
  EXPECT_EQ(stall.remaining_ms(), 0u);

  EXPECT_EQ(stall.request(10), StallSwitch::Request::Accepted) << "free again once the stall ended";
  EXPECT_GE(stall.take(stop, stats), 10u);
  EXPECT_EQ(stats.stalls_injected.load(), 2u);
}

TEST(StallSwitch, StopEndsAStallEarly) {
  StallSwitch stall;
  TlsWorkerStats stats;
  std::atomic<bool> stop{false};
  ASSERT_EQ(stall.request(60'000), StallSwitch::Request::Accepted);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_GT(stall.remaining_ms(), 50'000u) << "running: the time left counts down from the end";
    stop.store(true);
  });
  const Clock::time_point t0 = Clock::now();
  stall.take(stop, stats);
  stopper.join();
  EXPECT_LT(ms_since(t0), 5000u) << "a shutdown during a stall is not held up by it";
  EXPECT_EQ(stats.stalls_injected.load(), 1u);
}

class PoolStall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = make_server(Suite::get().server_settings()).release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static TlsWorkerPoolSettings one_worker() {
    TlsWorkerPoolSettings s;
    s.tls_workers = 1;
    s.max_legs = 4;
    s.cipher_ring_bytes = 16 * 1024;
    s.plain_ring_bytes = 16 * 1024;
    s.max_injected_stall_ms = 5000;
    return s;
  }
  static inline TlsServerContext* server_ = nullptr;
};

TEST_F(PoolStall, RequestsOutOfRangeAreRefusedWithReasons) {
  RunningPool running(one_worker());
  std::string error;
  EXPECT_FALSE(running.pool().stall_worker(1, 100, &error));
  EXPECT_EQ(error, "no TLS worker 1 (there are 1, numbered from 0)");
  EXPECT_FALSE(running.pool().stall_worker(0, 0, &error));
  EXPECT_EQ(error, "a stall is 1..5000 ms, not 0");
  EXPECT_FALSE(running.pool().stall_worker(0, 5001, &error));
  EXPECT_EQ(error, "a stall is 1..5000 ms, not 5001");
  ASSERT_TRUE(running.pool().stall_worker(0, 1000, &error)) << error;
  EXPECT_FALSE(running.pool().stall_worker(0, 1000, &error));
  EXPECT_TRUE(error.starts_with("TLS worker 0 is already stalled (")) << error;
  EXPECT_GT(running.pool().stall_remaining_ms(0), 0u);
}

// The worker stalls 700 ms; a handshake started once the stall is under way gets no answer from the leg during
// it (its kick waits in the queue), then completes with a transfer once the worker polls again.
TEST_F(PoolStall, StalledWorkerServicesNothingThenCatchesUp) {
  RunningPool running(one_worker());
  const TlsWorkerStats& stats = running.pool().stats(0);
  std::string error;
  const Clock::time_point asked = Clock::now();
  ASSERT_TRUE(running.pool().stall_worker(0, 700, &error)) << error;
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return stats.stalls_injected.load() == 1; },
                          std::chrono::seconds(5)))
      << "the worker never took the stall";

  auto cctx = make_client({});
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = running.source().open_server(*server_, 1);
  ASSERT_NE(conv.leg, nullptr);
  conv.to_server = pattern(40000, 5);
  conv.to_client = pattern(40000, 6);
  const uint64_t kicks_before = stats.kicks.load();
  // Well inside the stall: the ClientHello went in and was kicked, nothing came back.
  const Clock::time_point watch_until = asked + std::chrono::milliseconds(450);
  while (Clock::now() < watch_until) {
    conv.step();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(conv.leg->state(), TlsState::Handshaking);
  EXPECT_EQ(conv.peer->state(), TlsState::Handshaking) << "the client got a server flight from a stalled worker";
  EXPECT_EQ(stats.kicks.load(), kicks_before) << "a stalled worker took a kick";

  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.transferred(); }, std::chrono::seconds(20)))
      << state_name(conv.leg->state()) << ": " << conv.leg->report().failure;
  EXPECT_GE(ms_since(asked), 700u);
  EXPECT_TRUE(conv.got_at_server == conv.to_server);
  EXPECT_TRUE(conv.got_at_client == conv.to_client);
  EXPECT_GE(stats.stalled_ms.load(), 700u);
  EXPECT_EQ(stats.handshakes.load(), 1u);
  EXPECT_EQ(running.pool().stall_remaining_ms(0), 0u);
  running.source().release(conv.leg);
}

TEST_F(PoolStall, PoolIsOnTheProcessRegistryWhileItLives) {
  auto listed = [](const TlsWorkerPool* pool) {
    bool found = false;
    PoolRegistry::process().with_pools([&](std::span<TlsWorkerPool* const> pools) {
      for (const TlsWorkerPool* p : pools) found = found || p == pool;
    });
    return found;
  };
  std::string error;
  std::unique_ptr<TlsWorkerPool> pool = TlsWorkerPool::create(one_worker(), &error);
  ASSERT_NE(pool, nullptr) << error;
  const TlsWorkerPool* address = pool.get();
  EXPECT_TRUE(listed(address));
  pool.reset();
  EXPECT_FALSE(listed(address));

  TlsWorkerPoolSettings bad = one_worker();
  bad.tls_workers = 0;
  size_t before = 0, after = 0;
  PoolRegistry::process().with_pools([&](std::span<TlsWorkerPool* const> pools) { before = pools.size(); });
  EXPECT_EQ(TlsWorkerPool::create(bad, &error), nullptr);
  PoolRegistry::process().with_pools([&](std::span<TlsWorkerPool* const> pools) { after = pools.size(); });
  EXPECT_EQ(after, before) << "a pool that failed to build is not listed";
}

}  // namespace
}  // namespace sluice::tls::test
