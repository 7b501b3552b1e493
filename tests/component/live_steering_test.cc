// tests/component/live_steering_test.cc — two workers on ring ports: every connection is handled by the worker
// that owns its client port, whichever queue its frames arrive on; frames on a foreign queue reach the owner
// through the redirect mesh and nowhere else.
//
// Thousands of real SMTP sessions (EmulatedPeer client and backend, tests/component/smtp_peers) run through two
// LiveWorkers. The test knows, per session, its owner (FlowSteering) and every frame its peers injected, so it
// checks exactly: each worker opened the sessions it owns and no others; each worker's conn table saw exactly
// the frames of its own sessions (tcp_frames_owned); the frames the test put on a non-owner queue are exactly
// the ones redirected; and every session delivered its message.
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <unistd.h>

#include <random>
#include <vector>

#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"

namespace sluice::testing {
namespace {

using dataplane::Side;

std::string steering_config() {
  return ring_config({.extra = "config system tcp\n  set time-wait 0\nend\n"});
}

enum class Placement { Owner, Foreign, Random };

struct Outcome {
  uint64_t completed = 0, resets = 0;
  uint64_t owned_sessions[2] = {0, 0};   // sessions whose client port each worker owns
  uint64_t owned_frames[2] = {0, 0};     // TCP frames the peers of those sessions injected
};

// Runs `sessions` SMTP sessions, `concurrency` at a time, placing each peer's frames as asked.
Outcome run_sessions(RingAppliance& app, uint32_t sessions, uint32_t concurrency, Placement placement) {
  Outcome out;
  std::mt19937 random(7);
  const std::string body = message_body(2000);
  const std::vector<Step> steps = smtp_steps(body);
  std::vector<PeerSlot> slots(concurrency);
  for (PeerSlot& s : slots) make_peers(app, s);
  std::vector<int32_t> slot_of_port(65536, -1);
  std::vector<uint32_t> owner(concurrency), client_queue(concurrency), backend_queue(concurrency);
  std::vector<uint64_t> injected_before(concurrency);
  auto injected = [&](uint32_t i) { return slots[i].client->injected() + slots[i].backend->injected(); };
  uint32_t started = 0, next_port = 0, iss = 1;
  std::vector<rte_mbuf*> burst(256);
  uint64_t now = 0;
  for (int round = 0; round < 200000 && out.completed + out.resets < sessions; ++round) {
    now += 50'000;   // the peers' clock (the workers keep their own TSC clock)
    for (uint32_t i = 0; i < concurrency; ++i) {
      PeerSlot& s = slots[i];
      if (s.active || started == sessions) continue;
      const uint16_t port = static_cast<uint16_t>(20000 + next_port++);
      if (s.port != 0) slot_of_port[s.port] = -1;
      slot_of_port[port] = static_cast<int32_t>(i);
      owner[i] = app.steering().owner_of_port(port);
      const uint32_t other = 1 - owner[i];
      client_queue[i] = placement == Placement::Owner ? owner[i] : placement == Placement::Foreign ? other : random() % 2;
      backend_queue[i] = placement == Placement::Owner ? owner[i] : placement == Placement::Foreign ? other : random() % 2;
      s.client->set_queue(client_queue[i]);
      s.backend->set_queue(backend_queue[i]);
      injected_before[i] = injected(i);
      start_session(s, port, iss += 7919, now);
      ++out.owned_sessions[owner[i]];
      ++started;
    }
    app.poll(1);
    for (Side side : {Side::Outside, Side::Inside}) {
      uint32_t n;
      while ((n = app.take(side, burst.data(), static_cast<uint32_t>(burst.size()))) > 0) {
        for (uint32_t k = 0; k < n; ++k) deliver(slots, slot_of_port, side, burst[k], &iss, now);
        rte_pktmbuf_free_bulk(burst.data(), n);
      }
    }
    for (uint32_t i = 0; i < concurrency; ++i) {
      PeerSlot& s = slots[i];
      if (!s.active) continue;
      const SlotEnd end = run_slot(s, steps, now);
      if (end == SlotEnd::Running) continue;
      (end == SlotEnd::Completed ? out.completed : out.resets) += 1;
    }
    // Frames are counted by peer: a peer's frames all go to its one queue.
    for (uint32_t i = 0; i < concurrency; ++i) {
      const uint64_t now_injected = injected(i);
      const uint64_t delta = now_injected - injected_before[i];
      if (delta == 0) continue;
      out.owned_frames[owner[i]] += delta;
      injected_before[i] = now_injected;
    }
  }
  // The last segments (final ACKs) reach the workers; legs in their last state end by their timers.
  for (int i = 0; i < 3000 && app.worker(0).sessions_in_use() + app.worker(1).sessions_in_use() > 0; ++i) {
    app.poll(1);
    app.discard(Side::Outside);
    app.discard(Side::Inside);
    usleep(1000);
  }
  return out;
}

struct Totals {
  uint64_t opened[2], owned[2], out[2], in[2], dropped, no_session;
};

Totals totals(RingAppliance& app) {
  Totals t{};
  for (uint32_t w = 0; w < 2; ++w) {
    const dataplane::LiveCounters& c = app.worker(w).counters();
    t.opened[w] = c.sessions_opened.get();
    t.owned[w] = c.tcp_frames_owned.get();
    t.out[w] = c.redirected_out.get();
    t.in[w] = c.redirected_in.get();
    t.dropped += c.redirect_dropped.get();
    t.no_session += c.drops_no_session.get();
  }
  return t;
}

class LiveSteering : public ::testing::TestWithParam<Placement> {};

TEST_P(LiveSteering, EverySessionLivesOnItsOwnerAndForeignFramesGoThroughTheMesh) {
  RingApplianceLimits limits;
  limits.workers = 2;
  limits.keep_records = false;
  RingAppliance app(steering_config(), limits);
  ASSERT_TRUE(app.ok()) << app.error();
  // Neighbours: each worker learns them (the receiving worker answers, the other gets a learn-only copy).
  app.inject(Side::Inside, arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
  app.inject(Side::Outside, arp_request(kClient, kVip));
  app.poll(3);
  EXPECT_EQ(app.discard(Side::Inside), 1u) << "one ARP reply, from the worker that received the request";
  EXPECT_EQ(app.discard(Side::Outside), 1u);
  const Totals before = totals(app);
  EXPECT_EQ(before.out[0], 2u) << "worker 0 copied both ARP requests to worker 1";
  EXPECT_EQ(before.in[1], 2u);

  constexpr uint32_t kSessions = 3000;
  const Outcome o = run_sessions(app, kSessions, 150, GetParam());
  const Totals after = totals(app);
  EXPECT_EQ(o.completed, kSessions) << "resets: " << o.resets;
  EXPECT_EQ(o.resets, 0u);
  EXPECT_GT(o.owned_sessions[0], kSessions / 3) << "both workers own a fair share";
  EXPECT_GT(o.owned_sessions[1], kSessions / 3);
  for (uint32_t w = 0; w < 2; ++w) {
    EXPECT_EQ(after.opened[w] - before.opened[w], o.owned_sessions[w]) << "worker " << w << " opened only its own";
    EXPECT_EQ(after.owned[w] - before.owned[w], o.owned_frames[w])
        << "worker " << w << "'s connection table saw exactly the frames of its own sessions";
  }
  EXPECT_EQ(after.dropped, 0u);
  EXPECT_EQ(after.no_session, 0u);
  const uint64_t redirected = (after.out[0] - before.out[0]) + (after.out[1] - before.out[1]);
  const uint64_t received = (after.in[0] - before.in[0]) + (after.in[1] - before.in[1]);
  EXPECT_EQ(redirected, received) << "every hand-over reached the other worker";
  const uint64_t all_frames = o.owned_frames[0] + o.owned_frames[1];
  switch (GetParam()) {
    case Placement::Owner: EXPECT_EQ(redirected, 0u) << "frames on their owner's queue never cross"; break;
    case Placement::Foreign: EXPECT_EQ(redirected, all_frames) << "every frame was on the wrong queue"; break;
    case Placement::Random:
      EXPECT_GT(redirected, all_frames / 4);
      EXPECT_LT(redirected, all_frames * 3 / 4);
      break;
  }
  EXPECT_EQ(app.worker(0).sessions_in_use() + app.worker(1).sessions_in_use(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Placements, LiveSteering,
                         ::testing::Values(Placement::Owner, Placement::Foreign, Placement::Random),
                         [](const ::testing::TestParamInfo<Placement>& info) {
                           switch (info.param) {
                             case Placement::Owner: return "OwnerQueue";
                             case Placement::Foreign: return "ForeignQueue";
                             case Placement::Random: return "RandomQueue";
                           }
                           return "?";
                         });

}  // namespace
}  // namespace sluice::testing
