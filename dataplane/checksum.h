// dataplane/checksum.h — the Internet checksum (RFC 1071), the IPv4/IPv6 pseudo-header sums that TCP, UDP and
// ICMPv6 cover, and the incremental update of RFC 1624.
//
// Owns: one's-complement arithmetic over bytes. Calls: nothing. Header-only, no allocation.
//
// Convention: sums are 32-bit accumulators of big-endian 16-bit words (never folded until the end); the
// value written into a header is `checksum_finish(sum)`, a host-order uint16_t stored big-endian.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::dataplane {

// Folds the carries of a 32-bit accumulator into 16 bits (not complemented).
inline uint16_t checksum_fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The value for the checksum field: the complement of the folded sum.
inline uint16_t checksum_finish(uint64_t sum) { return static_cast<uint16_t>(~checksum_fold(sum)); }

// Adds bytes that start at an even offset of the checksummed data; an odd tail is padded with zero, so
// only the last piece may have odd length. Use ChecksumAccumulator for pieces of any length.
inline uint64_t checksum_add(uint64_t sum, const uint8_t* p, size_t n) {
  while (n >= 2) {
    sum += static_cast<uint32_t>(p[0] << 8 | p[1]);
    p += 2;
    n -= 2;
  }
  if (n) sum += static_cast<uint32_t>(p[0] << 8);
  return sum;
}

// Sums pieces of any length in order, remembering whether the next byte falls on an odd offset (the
// payload of a segment can come in two pieces, the first of odd length).
class ChecksumAccumulator {
 public:
  explicit ChecksumAccumulator(uint64_t initial = 0) : sum_(initial) {}
  void add(const uint8_t* p, size_t n) {
    if (n == 0) return;
    if (odd_) {
      sum_ += p[0];  // low byte of the word whose high byte ended the previous piece
      ++p;
      --n;
      odd_ = false;
    }
    sum_ = checksum_add(sum_, p, n);
    odd_ = (n & 1) != 0;
  }
  uint64_t sum() const { return sum_; }
  uint16_t finish() const { return checksum_finish(sum_); }

 private:
  uint64_t sum_;
  bool odd_ = false;
};

// RFC 1071 checksum of one buffer, ready for the header field.
inline uint16_t internet_checksum(const uint8_t* p, size_t n) { return checksum_finish(checksum_add(0, p, n)); }

// True when data that includes its own checksum field sums to 0xffff (the receiver's check).
inline bool checksum_valid(const uint8_t* p, size_t n) { return checksum_fold(checksum_add(0, p, n)) == 0xffff; }

// RFC 793 / RFC 9293 §3.1 pseudo-header: source, destination (4 bytes each), zero, protocol, L4 length.
inline uint64_t pseudo_header_sum_v4(const uint8_t* src4, const uint8_t* dst4, uint8_t protocol,
                                     uint32_t l4_length) {
  uint64_t sum = checksum_add(0, src4, 4);
  sum = checksum_add(sum, dst4, 4);
  return sum + protocol + (l4_length & 0xffff);
}

// RFC 8200 §8.1 pseudo-header: source, destination (16 bytes each), 32-bit upper-layer length, next header.
inline uint64_t pseudo_header_sum_v6(const uint8_t* src16, const uint8_t* dst16, uint8_t next_header,
                                     uint32_t l4_length) {
  uint64_t sum = checksum_add(0, src16, 16);
  sum = checksum_add(sum, dst16, 16);
  return sum + (l4_length >> 16) + (l4_length & 0xffff) + next_header;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one 16-bit word m changed to m'. Unlike eqn. 2 it never
// produces 0x0000 from a non-zero sum's complement ambiguity (-0 vs +0).
inline uint16_t checksum_update16(uint16_t check, uint16_t old_word, uint16_t new_word) {
  uint64_t sum = static_cast<uint16_t>(~check);
  sum += static_cast<uint16_t>(~old_word);
  sum += new_word;
  return checksum_finish(sum);
}

// RFC 1624 over an even number of changed bytes (an address: 4 or 16), both buffers big-endian.
inline uint16_t checksum_update_bytes(uint16_t check, const uint8_t* old_bytes, const uint8_t* new_bytes,
                                      size_t n) {
  uint64_t sum = static_cast<uint16_t>(~check);
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<uint16_t>(~(old_bytes[i] << 8 | old_bytes[i + 1]));
    sum += static_cast<uint32_t>(new_bytes[i] << 8 | new_bytes[i + 1]);
  }
  return checksum_finish(sum);
}

}  // namespace sluice::dataplane
