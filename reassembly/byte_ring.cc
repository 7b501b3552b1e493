// reassembly/byte_ring.cc — ByteRing: wrap-around copy in and views out.
#include "reassembly/byte_ring.h"

#include <algorithm>
#include <cstring>

namespace sluice::reassembly {

ByteRing::ByteRing(uint32_t capacity) : buffer_(capacity) {}

uint32_t ByteRing::push(std::string_view bytes) {
  const uint32_t n = std::min<uint32_t>(free_space(), static_cast<uint32_t>(std::min<size_t>(bytes.size(), UINT32_MAX)));
  if (n == 0) return 0;
  const uint32_t tail = static_cast<uint32_t>((uint64_t{head_} + size_) % capacity());
  const uint32_t first = std::min(n, capacity() - tail);
  std::memcpy(buffer_.data() + tail, bytes.data(), first);
  std::memcpy(buffer_.data(), bytes.data() + first, n - first);
  size_ += n;
  return n;
}

RingSpan ByteRing::peek(uint32_t offset, uint32_t length) const {
  if (offset >= size_) return {};
  length = std::min(length, size_ - offset);
  const uint32_t start = static_cast<uint32_t>((uint64_t{head_} + offset) % capacity());
  const uint32_t first = std::min(length, capacity() - start);
  return {std::string_view(buffer_.data() + start, first),
          std::string_view(buffer_.data(), length - first)};
}

std::string_view ByteRing::front() const { return peek(0, size_).first; }

void ByteRing::pop(uint32_t n) {
  n = std::min(n, size_);
  if (n == 0) return;
  head_ = static_cast<uint32_t>((uint64_t{head_} + n) % capacity());
  size_ -= n;
  if (size_ == 0) head_ = 0;  // keeps the next fill contiguous
}

}  // namespace sluice::reassembly
