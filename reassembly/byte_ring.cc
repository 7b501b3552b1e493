// reassembly/byte_ring.cc — ByteRing: wrap-around copy in, views out, and doubling storage up to the capacity.
#include "reassembly/byte_ring.h"

#include <algorithm>
#include <cstring>

namespace sluice::reassembly {

ByteRing::ByteRing(uint32_t capacity, uint32_t initial)
    : capacity_(capacity), initial_(std::clamp<uint32_t>(initial, 1, std::max<uint32_t>(capacity, 1))) {}

void ByteRing::trim() {
  if (size_ != 0 || allocated_ <= initial_) return;
  buffer_.reset();
  allocated_ = 0;
  head_ = 0;
}

// Doubles from `initial` (or the current size) until `bytes` fit, never past the capacity, and copies the held
// bytes to the front of the new storage: a wrapped ring comes out unwrapped, so their order is kept.
void ByteRing::grow_to_hold(uint32_t bytes) {
  uint64_t target = std::max(allocated_, initial_);
  while (target < bytes) target *= 2;
  const auto size = static_cast<uint32_t>(std::min<uint64_t>(target, capacity_));
  std::unique_ptr<char[]> grown(new char[size]);
  const RingSpan held = peek(0, size_);
  // Never memcpy from an empty view: before the first allocation its data() is null, and memcpy(dst, nullptr, 0)
  // is undefined behaviour (UBSan stops there; found by tests/fuzz/tcp_endpoint_fuzz on the first push).
  if (!held.first.empty()) std::memcpy(grown.get(), held.first.data(), held.first.size());
  if (!held.second.empty()) std::memcpy(grown.get() + held.first.size(), held.second.data(), held.second.size());
  buffer_ = std::move(grown);
  allocated_ = size;
  head_ = 0;
}

uint32_t ByteRing::push(std::string_view bytes) {
  const uint32_t n = std::min<uint32_t>(free_space(), static_cast<uint32_t>(std::min<size_t>(bytes.size(), UINT32_MAX)));
  if (n == 0) return 0;
  if (size_ + n > allocated_) grow_to_hold(size_ + n);
  const uint32_t tail = static_cast<uint32_t>((uint64_t{head_} + size_) % allocated_);
  const uint32_t first = std::min(n, allocated_ - tail);
  std::memcpy(buffer_.get() + tail, bytes.data(), first);
  std::memcpy(buffer_.get(), bytes.data() + first, n - first);
  size_ += n;
  return n;
}

RingSpan ByteRing::peek(uint32_t offset, uint32_t length) const {
  if (offset >= size_) return {};
  length = std::min(length, size_ - offset);
  const uint32_t start = static_cast<uint32_t>((uint64_t{head_} + offset) % allocated_);
  const uint32_t first = std::min(length, allocated_ - start);
  return {std::string_view(buffer_.get() + start, first), std::string_view(buffer_.get(), length - first)};
}

std::string_view ByteRing::front() const { return peek(0, size_).first; }

void ByteRing::pop(uint32_t n) {
  n = std::min(n, size_);
  if (n == 0) return;
  head_ = static_cast<uint32_t>((uint64_t{head_} + n) % allocated_);
  size_ -= n;
  if (size_ == 0) head_ = 0;  // keeps the next fill contiguous
}

}  // namespace sluice::reassembly
