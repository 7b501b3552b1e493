// tls/spsc_byte_ring.cc — see spsc_byte_ring.h.
#include "tls/spsc_byte_ring.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sluice::tls {

SpscByteRing::SpscByteRing(size_t capacity) {
  size_t cap = std::bit_ceil(std::max<size_t>(capacity, 64));
  mask_ = cap - 1;
  buffer_ = std::make_unique<char[]>(cap);
}

std::span<char> SpscByteRing::writable() {
  const uint64_t head = head_.load(std::memory_order_relaxed);  // ours
  // Acquire: the consumer has finished reading the room it freed before we write into it.
  const uint64_t tail = tail_.load(std::memory_order_acquire);
  const size_t cap = mask_ + 1;
  const size_t free = cap - size_t(head - tail);
  const size_t offset = size_t(head) & mask_;
  return {buffer_.get() + offset, std::min(free, cap - offset)};
}

void SpscByteRing::produced(size_t n) {
  if (n == 0) return;
  head_.store(head_.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

size_t SpscByteRing::write(std::string_view bytes) {
  size_t done = 0;
  for (int part = 0; part < 2 && done < bytes.size(); ++part) {
    std::span<char> room = writable();
    if (room.empty()) break;
    const size_t take = std::min(room.size(), bytes.size() - done);
    std::memcpy(room.data(), bytes.data() + done, take);
    produced(take);
    done += take;
  }
  return done;
}

size_t SpscByteRing::free_space() const {
  return mask_ + 1 - size_t(head_.load(std::memory_order_relaxed) - tail_.load(std::memory_order_acquire));
}

std::span<const char> SpscByteRing::readable() {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);  // ours
  // Acquire: the bytes the producer published before moving head are visible.
  const uint64_t head = head_.load(std::memory_order_acquire);
  const size_t filled = size_t(head - tail);
  const size_t offset = size_t(tail) & mask_;
  return {buffer_.get() + offset, std::min(filled, mask_ + 1 - offset)};
}

void SpscByteRing::consumed(size_t n) {
  if (n == 0) return;
  tail_.store(tail_.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

size_t SpscByteRing::read(char* out, size_t cap) {
  size_t done = 0;
  for (int part = 0; part < 2 && done < cap; ++part) {
    std::span<const char> data = readable();
    if (data.empty()) break;
    const size_t take = std::min(data.size(), cap - done);
    std::memcpy(out + done, data.data(), take);
    consumed(take);
    done += take;
  }
  return done;
}

size_t SpscByteRing::size() const {
  return size_t(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed));
}

void SpscByteRing::reset() {
  head_.store(0, std::memory_order_relaxed);
  tail_.store(0, std::memory_order_relaxed);
}

}  // namespace sluice::tls
