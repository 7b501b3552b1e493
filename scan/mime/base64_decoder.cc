#include "scan/mime/base64_decoder.h"

#include <array>

namespace sluice::mime {
namespace {

constexpr uint8_t kIgnore = 0xFE;   // whitespace: skipped without a flag
constexpr uint8_t kInvalid = 0xFF;  // outside the alphabet: skipped and flagged
constexpr uint8_t kPad = 0xFD;

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<uint8_t>(i);
    t['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(52 + i);
  t['+'] = 62;
  t['/'] = 63;
  t['='] = kPad;
  t['\r'] = t['\n'] = t[' '] = t['\t'] = kIgnore;
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

// Output is written through a pointer into space reserved up front: a push_back per byte cost more than
// the decoding itself. Whole quanta of alphabet characters at a quantum boundary (nearly all of a real
// attachment) take the fast path; everything else goes byte by byte through the same rule.
void Base64Decoder::feed(std::string_view in, std::string& out) {
  const size_t start = out.size();
  out.resize(start + in.size() / 4 * 3 + 6);   // n input chars + an open quantum make at most this much
  char* w = out.data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* const end = p + in.size();
  while (p < end) {
    if (count_ == 0 && end - p >= 4) {
      const uint32_t a = kTable[p[0]], b = kTable[p[1]], c = kTable[p[2]], d = kTable[p[3]];
      if ((a | b | c | d) < 64) {
        const uint32_t v = a << 18 | b << 12 | c << 6 | d;
        w[0] = static_cast<char>(v >> 16);
        w[1] = static_cast<char>(v >> 8);
        w[2] = static_cast<char>(v);
        w += 3;
        p += 4;
        continue;
      }
    }
    const uint8_t v = kTable[*p++];
    if (v < 64) {
      bits_ = (bits_ << 6) | v;
      if (++count_ == 4) {
        w[0] = static_cast<char>(bits_ >> 16);
        w[1] = static_cast<char>(bits_ >> 8);
        w[2] = static_cast<char>(bits_);
        w += 3;
        bits_ = 0;
        count_ = 0;
      }
    } else if (v == kPad) {
      w += flush_quantum(w);
    } else if (v == kInvalid) {
      garbage_ = true;
    }
  }
  out.resize(static_cast<size_t>(w - out.data()));
}

size_t Base64Decoder::flush_quantum(char* w) {
  size_t written = 0;
  if (count_ == 2) {
    w[written++] = static_cast<char>(bits_ >> 4);
  } else if (count_ == 3) {
    w[written++] = static_cast<char>(bits_ >> 10);
    w[written++] = static_cast<char>(bits_ >> 2);
  } else if (count_ == 1) {
    garbage_ = true;  // six bits cannot make a byte
  }
  bits_ = 0;
  count_ = 0;
  return written;
}

void Base64Decoder::finish(std::string& out) {
  char tail[2];
  out.append(tail, flush_quantum(tail));
}

void Base64Decoder::reset() {
  bits_ = 0;
  count_ = 0;
  garbage_ = false;
}

}  // namespace sluice::mime
