// reassembly/byte_ring.h — bounded byte ring for the endpoint's send and receive buffers.
//
// Owns: one buffer, bytes appended at the back and released from the front. Reads come back as at most two views
// (the second when the bytes wrap), so nothing is copied to hand bytes to a sink. May call: nothing.
//
// Memory: the capacity is the hard limit (what free_space() and so the advertised window are computed from), not
// what is allocated. Nothing is allocated until the first push; then storage starts at `initial` bytes and doubles,
// capped at the capacity, when a push needs more. So an idle connection costs nothing here and a connection that
// carries a few SMTP replies costs `initial`: growth happens at most log2(capacity / initial) times per connection,
// and once a connection has grown to the size its traffic needs, later pushes allocate nothing. trim() gives back
// storage above `initial` while the ring is empty (the endpoint's reset, when a pooled session is released).
// Views from peek()/front() are invalidated by the next push (it may move the bytes).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace sluice::reassembly {

struct RingSpan {  // bytes in order: first, then second (empty unless they wrap)
  std::string_view first, second;
  uint32_t size() const { return static_cast<uint32_t>(first.size() + second.size()); }
};

class ByteRing {
 public:
  static constexpr uint32_t kDefaultInitialBytes = 2 * 1024;

  explicit ByteRing(uint32_t capacity, uint32_t initial = kDefaultInitialBytes);

  void clear() { head_ = size_ = 0; }  // keeps the storage
  // Frees the storage when the ring is empty and holds more than `initial` bytes; the next push starts again
  // from `initial`. A ring that never grew keeps its storage, so reuse for small traffic allocates nothing.
  void trim();
  uint32_t capacity() const { return capacity_; }    // the configured bound
  uint32_t allocated() const { return allocated_; }  // bytes of storage held now (0 until the first push)
  uint32_t size() const { return size_; }
  uint32_t free_space() const { return capacity_ - size_; }

  // Appends as much of bytes as fits in capacity(); returns the count appended. Grows the storage if needed.
  uint32_t push(std::string_view bytes);
  // Bytes [offset, offset + length) counted from the front, clipped to size().
  RingSpan peek(uint32_t offset, uint32_t length) const;
  // The contiguous prefix of the held bytes.
  std::string_view front() const;
  // Releases min(n, size()) bytes from the front.
  void pop(uint32_t n);

 private:
  void grow_to_hold(uint32_t bytes);

  std::unique_ptr<char[]> buffer_;
  uint32_t allocated_ = 0;  // size of buffer_
  uint32_t capacity_;
  uint32_t initial_;
  uint32_t head_ = 0;  // index of the front byte
  uint32_t size_ = 0;
};

}  // namespace sluice::reassembly
