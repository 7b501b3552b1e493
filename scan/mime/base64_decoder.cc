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

void Base64Decoder::feed(std::string_view in, std::string& out) {
  for (unsigned char c : in) {
    const uint8_t v = kTable[c];
    if (v < 64) {
      bits_ = (bits_ << 6) | v;
      if (++count_ == 4) {
        out.push_back(static_cast<char>(bits_ >> 16));
        out.push_back(static_cast<char>(bits_ >> 8));
        out.push_back(static_cast<char>(bits_));
        bits_ = 0;
        count_ = 0;
      }
    } else if (v == kPad) {
      flush_quantum(out);
    } else if (v == kInvalid) {
      garbage_ = true;
    }
  }
}

void Base64Decoder::flush_quantum(std::string& out) {
  if (count_ == 2) {
    out.push_back(static_cast<char>(bits_ >> 4));
  } else if (count_ == 3) {
    out.push_back(static_cast<char>(bits_ >> 10));
    out.push_back(static_cast<char>(bits_ >> 2));
  } else if (count_ == 1) {
    garbage_ = true;  // six bits cannot make a byte
  }
  bits_ = 0;
  count_ = 0;
}

void Base64Decoder::finish(std::string& out) { flush_quantum(out); }

void Base64Decoder::reset() {
  bits_ = 0;
  count_ = 0;
  garbage_ = false;
}

}  // namespace sluice::mime
