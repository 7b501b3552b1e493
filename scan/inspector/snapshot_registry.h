// scan/inspector/snapshot_registry.h — how a committed PolicySnapshot reaches the workers, and when an old one
// may be freed.
//
// Owns: the published snapshot (one atomic pointer), the snapshots retired by later commits, and each worker's
// quiescence report. The control thread publishes and reclaims; workers read `current()` once per poll
// iteration and report, at the end of it, the oldest version they still use.
//
// Why not rte_rcu_qsbr: a session keeps the snapshot it opened with for its whole life, across any number of
// quiescent periods, so "every worker passed a quiescent state" is not enough to free a snapshot. Each worker
// instead reports the oldest version its sessions (or its current pointer) still use; versions only grow, so
// one relaxed-cost store per change carries both the quiescence and the pins. A snapshot is freed when every
// registered worker's report is newer than it.
//
// Threads: publish/reclaim/live_versions on one control thread; current/report on workers (each worker writes
// only its own slot, on its own cache line). No locks.
// May call: nothing but the standard library.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scan/inspector/policy_snapshot.h"

namespace sluice::scan {

class SnapshotRegistry {
 public:
  static constexpr uint32_t kMaxWorkers = 64;
  // Snapshots alive at once (the current one and those retired but still pinned by sessions). A commit beyond
  // it is refused until long sessions on old versions end.
  static constexpr size_t kMaxLive = 32;

  explicit SnapshotRegistry(std::unique_ptr<const PolicySnapshot> first);
  ~SnapshotRegistry();

  // --- control thread ---
  // Publishes `next` (its version must be greater than the current one). False (nothing changed) when kMaxLive
  // snapshots are still alive.
  bool publish(std::unique_ptr<const PolicySnapshot> next, std::string* error);
  // Frees retired snapshots that no worker can still use. Returns how many were freed.
  size_t reclaim();
  const PolicySnapshot& latest() const { return *current_.load(std::memory_order_relaxed); }
  // Versions still alive (current last), for `show policy`.
  std::vector<uint64_t> live_versions() const;
  // --- the thread that starts and stops workers ---
  // A worker slot per dataplane worker, before it starts polling (a stopped worker's slot is reused).
  uint32_t register_worker();
  // A stopped worker no longer holds anything.
  void worker_stopped(uint32_t worker);

  // --- workers ---
  const PolicySnapshot* current() const { return current_.load(std::memory_order_acquire); }
  // The oldest version this worker's sessions or its current pointer still use. Call after the work that used
  // the pointers (end of a poll iteration).
  void report_oldest_in_use(uint32_t worker, uint64_t version) {
    slots_[worker].oldest.store(version, std::memory_order_release);
  }

 private:
  struct alignas(64) WorkerSlot {
    std::atomic<uint64_t> oldest{UINT64_MAX};
    std::atomic<bool> registered{false};
  };
  std::atomic<const PolicySnapshot*> current_;
  std::vector<std::unique_ptr<const PolicySnapshot>> alive_;   // oldest first; the last one is current_
  WorkerSlot slots_[kMaxWorkers];
  std::atomic<uint32_t> workers_{0};   // slots ever used
};

// A worker's count of sessions per snapshot version (worker-local, fixed size, no allocation).
class SnapshotPins {
 public:
  void pin(const PolicySnapshot* s);
  void unpin(const PolicySnapshot* s);
  // The oldest version in use: the pinned ones and `current`.
  uint64_t oldest_in_use(const PolicySnapshot& current) const;
  uint32_t sessions_on(uint64_t version) const;

 private:
  struct Entry {
    const PolicySnapshot* snapshot = nullptr;
    uint32_t sessions = 0;
  };
  // More versions than the registry keeps alive can never be pinned at once.
  Entry entries_[SnapshotRegistry::kMaxLive + 1];
};

}  // namespace sluice::scan
