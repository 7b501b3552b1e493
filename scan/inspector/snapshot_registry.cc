// scan/inspector/snapshot_registry.cc — see snapshot_registry.h.
#include "scan/inspector/snapshot_registry.h"

#include <algorithm>

namespace sluice::scan {

SnapshotRegistry::SnapshotRegistry(std::unique_ptr<const PolicySnapshot> first) : current_(first.get()) {
  alive_.push_back(std::move(first));
}

SnapshotRegistry::~SnapshotRegistry() = default;

bool SnapshotRegistry::publish(std::unique_ptr<const PolicySnapshot> next, std::string* error) {
  reclaim();
  if (alive_.size() >= kMaxLive) {
    *error = "commit refused: " + std::to_string(alive_.size()) +
             " policy versions are still in use by sessions in progress; try again when they end";
    return false;
  }
  if (next->version <= latest().version) {
    *error = "commit refused: version " + std::to_string(next->version) + " is not newer than the running " +
             std::to_string(latest().version);
    return false;
  }
  const PolicySnapshot* raw = next.get();
  alive_.push_back(std::move(next));
  current_.store(raw, std::memory_order_release);
  return true;
}

size_t SnapshotRegistry::reclaim() {
  uint64_t oldest = latest().version;
  const uint32_t slots = workers_.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < slots; ++i) {
    if (slots_[i].registered.load(std::memory_order_acquire)) oldest = std::min(oldest, slots_[i].oldest.load(std::memory_order_acquire));
  }
  size_t freed = 0;
  // Never the current one (the last): a worker may load it at any moment.
  while (alive_.size() > 1 && alive_.front()->version < oldest) {
    alive_.erase(alive_.begin());
    ++freed;
  }
  return freed;
}

std::vector<uint64_t> SnapshotRegistry::live_versions() const {
  std::vector<uint64_t> versions;
  for (const auto& s : alive_) versions.push_back(s->version);
  return versions;
}

uint32_t SnapshotRegistry::register_worker() {
  uint32_t id = 0;
  const uint32_t slots = workers_.load(std::memory_order_relaxed);
  while (id < slots && slots_[id].registered.load(std::memory_order_relaxed)) ++id;
  // Until its first report the worker may use the current snapshot, which reclaim() never frees; the
  // report then names the oldest it really uses.
  slots_[id].oldest.store(current()->version, std::memory_order_release);
  slots_[id].registered.store(true, std::memory_order_release);
  if (id == slots) workers_.store(slots + 1, std::memory_order_release);
  return id;
}

void SnapshotRegistry::worker_stopped(uint32_t worker) {
  slots_[worker].registered.store(false, std::memory_order_release);
  slots_[worker].oldest.store(UINT64_MAX, std::memory_order_release);
}

void SnapshotPins::pin(const PolicySnapshot* s) {
  Entry* free_entry = nullptr;
  for (Entry& e : entries_) {
    if (e.snapshot == s) {
      ++e.sessions;
      return;
    }
    if (e.sessions == 0 && free_entry == nullptr) free_entry = &e;
  }
  // The registry keeps at most kMaxLive snapshots alive, so a free entry always exists.
  free_entry->snapshot = s;
  free_entry->sessions = 1;
}

void SnapshotPins::unpin(const PolicySnapshot* s) {
  for (Entry& e : entries_) {
    if (e.snapshot == s && e.sessions > 0) {
      --e.sessions;
      return;
    }
  }
}

uint64_t SnapshotPins::oldest_in_use(const PolicySnapshot& current) const {
  uint64_t oldest = current.version;
  for (const Entry& e : entries_) {
    if (e.sessions > 0) oldest = std::min(oldest, e.snapshot->version);
  }
  return oldest;
}

uint32_t SnapshotPins::sessions_on(uint64_t version) const {
  uint32_t n = 0;
  for (const Entry& e : entries_) {
    if (e.sessions > 0 && e.snapshot->version == version) n += e.sessions;
  }
  return n;
}

}  // namespace sluice::scan
