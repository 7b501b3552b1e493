// SnapshotRegistry and SnapshotPins: a committed snapshot reaches workers at once, an old one is freed only
// when no worker's current pointer or session uses it, and the number alive is bounded.
#include "scan/inspector/snapshot_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sluice::scan {
namespace {

std::unique_ptr<PolicySnapshot> snapshot(uint64_t version) {
  auto s = std::make_unique<PolicySnapshot>();
  s->version = version;
  return s;
}

std::vector<uint64_t> versions(const SnapshotRegistry& r) { return r.live_versions(); }

TEST(SnapshotRegistry, PublishedSnapshotIsCurrentAtOnce) {
  SnapshotRegistry r(snapshot(1));
  std::string error;
  ASSERT_TRUE(r.publish(snapshot(2), &error)) << error;
  EXPECT_EQ(r.current()->version, 2u);
  EXPECT_EQ(r.latest().version, 2u);
}

TEST(SnapshotRegistry, OlderVersionRefused) {
  SnapshotRegistry r(snapshot(5));
  std::string error;
  EXPECT_FALSE(r.publish(snapshot(5), &error));
  EXPECT_EQ(error, "commit refused: version 5 is not newer than the running 5");
  EXPECT_EQ(r.current()->version, 5u);
}

TEST(SnapshotRegistry, WithoutWorkersOldSnapshotsAreFreed) {
  SnapshotRegistry r(snapshot(1));
  std::string error;
  ASSERT_TRUE(r.publish(snapshot(2), &error));
  EXPECT_EQ(r.reclaim(), 1u);
  EXPECT_EQ(versions(r), (std::vector<uint64_t>{2}));
}

TEST(SnapshotRegistry, KeptUntilTheWorkerReportsItNoLongerUsesIt) {
  SnapshotRegistry r(snapshot(1));
  const uint32_t w = r.register_worker();
  std::string error;
  ASSERT_TRUE(r.publish(snapshot(2), &error));
  EXPECT_EQ(r.reclaim(), 0u);   // registered on version 1, has not reported since
  r.report_oldest_in_use(w, 1); // a session still runs on 1
  EXPECT_EQ(r.reclaim(), 0u);
  r.report_oldest_in_use(w, 2);
  EXPECT_EQ(r.reclaim(), 1u);
  EXPECT_EQ(versions(r), (std::vector<uint64_t>{2}));
}

TEST(SnapshotRegistry, CurrentIsNeverFreed) {
  SnapshotRegistry r(snapshot(1));
  const uint32_t w = r.register_worker();
  r.report_oldest_in_use(w, UINT64_MAX);
  EXPECT_EQ(r.reclaim(), 0u);
  EXPECT_EQ(versions(r), (std::vector<uint64_t>{1}));
}

TEST(SnapshotRegistry, StoppedWorkerHoldsNothingAndItsSlotIsReused) {
  SnapshotRegistry r(snapshot(1));
  const uint32_t w = r.register_worker();
  std::string error;
  ASSERT_TRUE(r.publish(snapshot(2), &error));
  r.worker_stopped(w);
  EXPECT_EQ(r.reclaim(), 1u);
  EXPECT_EQ(r.register_worker(), w);
}

TEST(SnapshotRegistry, TooManyLiveVersionsRefuseTheCommit) {
  SnapshotRegistry r(snapshot(1));
  const uint32_t w = r.register_worker();
  r.report_oldest_in_use(w, 1);   // a long session pins version 1: nothing can be freed
  std::string error;
  uint64_t v = 2;
  while (r.publish(snapshot(v), &error)) ++v;
  EXPECT_EQ(versions(r).size(), SnapshotRegistry::kMaxLive);
  EXPECT_NE(error.find("still in use by sessions in progress"), std::string::npos) << error;
  r.report_oldest_in_use(w, v - 1);
  EXPECT_TRUE(r.publish(snapshot(v), &error)) << error;
}

TEST(SnapshotPins, OldestFollowsSessions) {
  auto a = snapshot(3), b = snapshot(4), c = snapshot(5);
  SnapshotPins pins;
  EXPECT_EQ(pins.oldest_in_use(*c), 5u);
  pins.pin(a.get());
  pins.pin(b.get());
  pins.pin(b.get());
  EXPECT_EQ(pins.oldest_in_use(*c), 3u);
  EXPECT_EQ(pins.sessions_on(4), 2u);
  pins.unpin(a.get());
  EXPECT_EQ(pins.oldest_in_use(*c), 4u);
  pins.unpin(b.get());
  pins.unpin(b.get());
  EXPECT_EQ(pins.oldest_in_use(*c), 5u);
  pins.unpin(b.get());   // more unpins than pins change nothing
  EXPECT_EQ(pins.sessions_on(4), 0u);
}

// A worker thread adopts each published snapshot, pins it for a few iterations (its "sessions") and reports;
// the control thread publishes and reclaims. Every snapshot the worker touches must still be alive: a freed
// one would fail the version check (and ASan/TSan builds would name it).
TEST(SnapshotRegistry, ConcurrentPublishAndReclaimNeverFreeWhatAWorkerUses) {
  SnapshotRegistry r(snapshot(1));
  const uint32_t w = r.register_worker();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad{0}, iterations{0};
  std::thread worker([&] {
    SnapshotPins pins;
    std::vector<const PolicySnapshot*> sessions;
    uint64_t last_seen = 0;
    while (!stop.load()) {
      const PolicySnapshot* s = r.current();
      if (s->version < last_seen) bad.fetch_add(1);
      last_seen = s->version;
      pins.pin(s);
      sessions.push_back(s);
      if (sessions.size() > 5) {
        const PolicySnapshot* old = sessions.front();
        if (old->version == 0) bad.fetch_add(1);
        pins.unpin(old);
        sessions.erase(sessions.begin());
      }
      for (const PolicySnapshot* p : sessions) {
        if (p->version == 0 || p->version > last_seen) bad.fetch_add(1);
      }
      r.report_oldest_in_use(w, pins.oldest_in_use(*s));
      iterations.fetch_add(1);
    }
  });
  std::string error;
  for (uint64_t v = 2; v < 2000; ++v) {
    while (!r.publish(snapshot(v), &error)) std::this_thread::yield();
    r.reclaim();
  }
  stop.store(true);
  worker.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_GT(iterations.load(), 0u);
  r.worker_stopped(w);
  r.reclaim();
  EXPECT_EQ(versions(r), (std::vector<uint64_t>{1999}));
}

}  // namespace
}  // namespace sluice::scan
