// tls/spsc_byte_ring.h — a fixed-capacity byte ring between exactly one producer thread and one consumer thread.
//
// Owns: one buffer (allocated once, in the constructor) and the two positions that divide it. The producer
// owns `head_` (bytes ever produced), the consumer owns `tail_` (bytes ever consumed); each publishes its own
// position with a release store and reads the other's with an acquire load, so the bytes written before
// produced() are visible to the consumer that sees the new head, and the room freed by consumed() is seen by
// the producer only after the consumer is done reading it. No locks, no allocation after construction.
//
// Both sides work in place: writable() hands the producer the first contiguous free part, readable() hands the
// consumer the first contiguous filled part; after produced(n)/consumed(n) the next call returns the rest
// (a wrap-around shows as two parts). The positions are 64-bit counts, so they never wrap in practice and
// full/empty need no spare slot.
//
// Used by the TLS worker pool (tls/tls_worker_pool.h) for the four byte streams of a pooled leg.
// May call: the C++ standard library only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace sluice::tls {

// One cache line: the producer's and the consumer's fields live on separate lines so that the two threads do
// not invalidate each other's line on every update (false sharing).
inline constexpr size_t kCacheLine = 64;

class SpscByteRing {
 public:
  // capacity is rounded up to a power of two (at least 64) so that positions map to offsets with a mask.
  explicit SpscByteRing(size_t capacity);
  SpscByteRing(const SpscByteRing&) = delete;
  SpscByteRing& operator=(const SpscByteRing&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Producer side.
  std::span<char> writable();  // first contiguous free part; empty when full
  void produced(size_t n);     // publishes n bytes written at the start of writable()
  size_t write(std::string_view bytes);  // copies as much as fits (both parts); returns how much
  size_t free_space() const;   // producer's view (may be stale for the consumer)

  // Consumer side.
  std::span<const char> readable();  // first contiguous filled part; empty when empty
  void consumed(size_t n);           // frees n bytes at the start of readable()
  size_t read(char* out, size_t cap);  // copies out up to cap bytes (both parts); returns how much
  size_t size() const;               // consumer's view

  // Either side, approximate when the other side is active.
  bool empty() const { return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire); }

  // Makes the ring empty. Only when neither side is using it (a recycled pool leg): the next owner receives
  // the ring through a release/acquire handoff of its own.
  void reset();

 private:
  // The producer's position and the consumer's, each on its own line.
  alignas(kCacheLine) std::atomic<uint64_t> head_{0};
  alignas(kCacheLine) std::atomic<uint64_t> tail_{0};
  // Read-only after construction.
  alignas(kCacheLine) size_t mask_ = 0;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace sluice::tls
