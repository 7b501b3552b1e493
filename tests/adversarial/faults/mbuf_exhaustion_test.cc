// tests/adversarial/faults/mbuf_exhaustion_test.cc — issue 8 fault injection: the worker's mbuf pool runs dry.
//
// 64 proxied SMTP sessions (tests/component/smtp_peers: a real client and smtp-sink-like backend on TcpEndpoints)
// each send 30 KB through one LiveWorker on ring ports. Mid-conversation, for 400 rounds, the test takes every
// mbuf the pool has left as soon as it is freed (what a leak elsewhere, a stalled NIC holding its tx descriptors
// or a flood would do), then gives them back. Checked: frames the worker could not build are dropped and counted
// (drops_no_mbuf), nothing crashes, and TCP recovers on both legs: every session completes (the client got the
// backend's own 250 for its message; no reset), each message has its record, and every mbuf is back in the pool.
#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"

namespace sluice::testing {
namespace {

using dataplane::Side;

constexpr uint32_t kPoolMbufs = 2047;
constexpr uint32_t kSessions = 64;
constexpr int kStarveFrom = 10, kStarveRounds = 400;   // rounds: mid-conversation, long enough to matter
constexpr uint32_t kBodyBytes = 30000;   // within the emulated client's send buffer

TEST(MbufExhaustion, FramesAreDroppedAndCountedThenEverySessionCompletes) {
  RingApplianceLimits limits;
  limits.pool_mbufs = kPoolMbufs;   // the process-wide pool: this executable's first and only appliance
  RingAppliance app(ring_config({.extra = "config system tcp\n  set time-wait 0\nend\n"}), limits);
  ASSERT_TRUE(app.ok()) << app.error();
  app.inject(Side::Inside, arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
  app.inject(Side::Outside, arp_request(kClient, kVip));
  app.poll(2);
  app.discard(Side::Inside);
  app.discard(Side::Outside);

  const std::string body = message_body(kBodyBytes);
  const std::vector<Step> steps = smtp_steps(body);
  std::vector<PeerSlot> slots(kSessions);
  for (PeerSlot& s : slots) make_peers(app, s);
  std::vector<int32_t> slot_of_port(65536, -1);
  uint32_t iss = 1;
  uint64_t now = 0;
  for (uint32_t i = 0; i < kSessions; ++i) {
    const uint16_t port = static_cast<uint16_t>(30000 + i);
    slot_of_port[port] = static_cast<int32_t>(i);
    start_session(slots[i], port, iss += 7919, now);
  }
  const dataplane::LiveCounters& counters = app.worker().counters();
  uint32_t completed = 0, resets = 0;
  uint64_t starved_rounds = 0, drops_when_fed = 0;
  std::vector<rte_mbuf*> hoard;   // the fault: every mbuf the pool has left, taken away for a while
  std::vector<rte_mbuf*> burst(256);
  for (int round = 0; round < 60000 && completed + resets < kSessions; ++round) {
    now += 1'000'000;   // 1 ms of the peers' clock per round; the worker's own timers run on the TSC
    const bool starving = round >= kStarveFrom && round < kStarveFrom + kStarveRounds;
    if (starving) {
      ++starved_rounds;
      rte_mbuf* m;
      while ((m = rte_pktmbuf_alloc(app.pool())) != nullptr) hoard.push_back(m);   // what was freed since
    } else if (!hoard.empty()) {
      drops_when_fed = counters.drops_no_mbuf.get();
      rte_pktmbuf_free_bulk(hoard.data(), static_cast<unsigned>(hoard.size()));
      hoard.clear();
    }
    app.poll(1);
    for (Side side : {Side::Outside, Side::Inside}) {
      uint32_t n;
      while ((n = app.take(side, burst.data(), static_cast<uint32_t>(burst.size()))) > 0) {
        for (uint32_t k = 0; k < n; ++k) deliver(slots, slot_of_port, side, burst[k], &iss, now);
        rte_pktmbuf_free_bulk(burst.data(), n);
      }
    }
    for (PeerSlot& s : slots) {
      if (!s.active) continue;
      const SlotEnd end = run_slot(s, steps, now);
      if (end != SlotEnd::Running) (end == SlotEnd::Completed ? completed : resets) += 1;
    }
    if (round > kStarveFrom + kStarveRounds) usleep(200);   // recovery rides on the worker's timers (real time)
  }
  EXPECT_GT(starved_rounds, 0u);
  EXPECT_GT(drops_when_fed, 0u) << "the pool never ran dry: the test starved nothing";
  EXPECT_EQ(completed, kSessions) << "resets " << resets << ", drops_no_mbuf " << counters.drops_no_mbuf.get();
  EXPECT_EQ(resets, 0u);

  // Every mbuf comes home: the sessions' last segments settle, the rings are emptied.
  for (int i = 0; i < 3000 && app.worker().sessions_in_use() > 0; ++i) {
    app.poll(1);
    app.discard(Side::Outside);
    app.discard(Side::Inside);
    usleep(1000);
  }
  EXPECT_EQ(app.worker().sessions_in_use(), 0u);
  EXPECT_EQ(counters.sessions_reset.get(), 0u);
  EXPECT_EQ(app.records().size(), kSessions) << "one message record per session";
  EXPECT_EQ(rte_mempool_avail_count(app.pool()), kPoolMbufs) << "mbufs still held after every session ended";
  std::printf("mbuf exhaustion: %llu frames dropped for want of an mbuf over %llu starved rounds; %u/%u sessions "
              "completed\n", static_cast<unsigned long long>(drops_when_fed),
              static_cast<unsigned long long>(starved_rounds), completed, kSessions);
}

}  // namespace
}  // namespace sluice::testing
