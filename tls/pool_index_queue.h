// tls/pool_index_queue.h — a bounded single-producer/single-consumer queue of 32-bit indexes.
//
// Owns: the slots (allocated once) and the two positions. The TLS worker pool keeps one per (dataplane
// worker, TLS worker) pair and direction: kicks (legs with new input, dataplane -> TLS), ready legs
// (TLS -> dataplane) and recycled legs (TLS -> dataplane). Every user dedupes with a per-leg flag or hands
// each leg over once, so a queue sized to the legs it can carry never fills; push() still says false when it
// would, and the caller counts it.
// Same memory-order rules as SpscByteRing: release on publish, acquire on the other side's position.
// May call: the C++ standard library only.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

#include "tls/spsc_byte_ring.h"  // kCacheLine

namespace sluice::tls {

class PoolIndexQueue {
 public:
  explicit PoolIndexQueue(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t(2) : capacity) - 1), slots_(std::make_unique<uint32_t[]>(mask_ + 1)) {}
  PoolIndexQueue(const PoolIndexQueue&) = delete;
  PoolIndexQueue& operator=(const PoolIndexQueue&) = delete;

  // Producer only.
  bool push(uint32_t value) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) > mask_) return false;
    slots_[head & mask_] = value;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  // Consumer only.
  bool pop(uint32_t* value) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    *value = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  size_t size() const { return size_t(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire)); }

 private:
  alignas(kCacheLine) std::atomic<uint64_t> head_{0};
  alignas(kCacheLine) std::atomic<uint64_t> tail_{0};
  alignas(kCacheLine) const uint64_t mask_;
  std::unique_ptr<uint32_t[]> slots_;
};

}  // namespace sluice::tls
