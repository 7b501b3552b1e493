// scan/envelope/siphash.cc — SipHash-2-4: two compression rounds per 8-byte word, four at the end.
#include "scan/envelope/siphash.h"

#include <bit>

namespace sluice::scan::envelope {
namespace {

struct State {
  uint64_t& v0;
  uint64_t& v1;
  uint64_t& v2;
  uint64_t& v3;

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
};

}  // namespace

// The initial state is the key xored with "somepseudorandomlygeneratedbytes", as the paper defines it.
SipHasher::SipHasher(uint64_t key0, uint64_t key1)
    : v0_(key0 ^ 0x736f6d6570736575ULL),
      v1_(key1 ^ 0x646f72616e646f6dULL),
      v2_(key0 ^ 0x6c7967656e657261ULL),
      v3_(key1 ^ 0x7465646279746573ULL) {}

void SipHasher::absorb(uint64_t word) {
  State state{v0_, v1_, v2_, v3_};
  v3_ ^= word;
  state.round();
  state.round();
  v0_ ^= word;
}

void SipHasher::update(const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  total_ += size;
  for (size_t i = 0; i < size; ++i) {
    tail_ |= static_cast<uint64_t>(bytes[i]) << (8 * tail_size_);
    if (++tail_size_ == 8) {
      absorb(tail_);
      tail_ = 0;
      tail_size_ = 0;
    }
  }
}

void SipHasher::update_u64(uint64_t value) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
  update(bytes, sizeof bytes);
}

uint64_t SipHasher::finish() {
  // The last block: the remaining bytes, with the message length (mod 256) in its top byte.
  absorb(tail_ | (total_ << 56));
  State state{v0_, v1_, v2_, v3_};
  v2_ ^= 0xff;
  state.round();
  state.round();
  state.round();
  state.round();
  return v0_ ^ v1_ ^ v2_ ^ v3_;
}

}  // namespace sluice::scan::envelope
