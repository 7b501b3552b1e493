// reassembly/byte_ring.h — fixed-capacity byte ring for the endpoint's send and receive
// buffers.
//
// Owns: one buffer allocated in the constructor, bytes appended at the back and released
// from the front. Reads come back as at most two views (the second when the bytes wrap),
// so nothing is copied to hand bytes to a sink. May call: nothing.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::reassembly {

struct RingSpan {  // bytes in order: first, then second (empty unless they wrap)
  std::string_view first, second;
  uint32_t size() const { return static_cast<uint32_t>(first.size() + second.size()); }
};

class ByteRing {
 public:
  explicit ByteRing(uint32_t capacity);

  void clear() { head_ = size_ = 0; }
  uint32_t capacity() const { return static_cast<uint32_t>(buffer_.size()); }
  uint32_t size() const { return size_; }
  uint32_t free_space() const { return capacity() - size_; }

  // Appends as much of bytes as fits; returns the count appended.
  uint32_t push(std::string_view bytes);
  // Bytes [offset, offset + length) counted from the front, clipped to size().
  RingSpan peek(uint32_t offset, uint32_t length) const;
  // The contiguous prefix of the held bytes.
  std::string_view front() const;
  // Releases min(n, size()) bytes from the front.
  void pop(uint32_t n);

 private:
  std::vector<char> buffer_;
  uint32_t head_ = 0;  // index of the front byte
  uint32_t size_ = 0;
};

}  // namespace sluice::reassembly
