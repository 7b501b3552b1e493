// scan/envelope/siphash.h — SipHash-2-4 (Aumasson & Bernstein, 2012), fed piece by piece.
//
// Owns: a keyed 64-bit hash that an attacker who does not know the key cannot steer into collisions. The
// greylist keys its table with it: triplets are chosen by remote senders, so an unkeyed hash would let them
// pile entries onto one probe chain.
// May call: the C++ standard library only. Allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::scan::envelope {

class SipHasher {
 public:
  SipHasher(uint64_t key0, uint64_t key1);

  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  void update_u64(uint64_t value);  // little-endian, so the hash of a number does not depend on the host
  // The hash of everything fed so far. Ends the hasher: feed nothing after it.
  uint64_t finish();

 private:
  void absorb(uint64_t word);

  uint64_t v0_, v1_, v2_, v3_;
  uint64_t tail_ = 0;      // bytes not yet forming a whole 8-byte word, little-endian
  unsigned tail_size_ = 0;
  uint64_t total_ = 0;     // bytes fed; its low byte ends the last block
};

}  // namespace sluice::scan::envelope
