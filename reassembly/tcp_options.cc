// reassembly/tcp_options.cc — TCP option parsing and SYN option encoding.
#include "reassembly/tcp_options.h"

#include <initializer_list>

namespace sluice::reassembly {
namespace {

// RFC 9293 §3.1 option kinds.
constexpr uint8_t kEol = 0, kNop = 1, kMss = 2, kWindowScale = 3, kSackPermitted = 4;
constexpr int8_t kMaxShift = 14;  // RFC 7323 §2.3

}  // namespace

bool parse_tcp_options(const uint8_t* data, size_t len, TcpSynOptions* out) {
  TcpSynOptions parsed;
  size_t i = 0;
  while (i < len) {
    const uint8_t kind = data[i];
    if (kind == kEol) break;
    if (kind == kNop) {
      ++i;
      continue;
    }
    if (i + 1 >= len) return false;  // no length byte
    const uint8_t length = data[i + 1];
    if (length < 2 || i + length > len) return false;
    const uint8_t* value = data + i + 2;
    switch (kind) {
      case kMss:
        if (length != 4) return false;
        parsed.mss = static_cast<uint16_t>(value[0] << 8 | value[1]);
        break;
      case kWindowScale:
        if (length != 3) return false;
        // RFC 7323 §2.3: a shift above 14 is used as 14.
        parsed.window_scale = value[0] > kMaxShift ? kMaxShift : static_cast<int8_t>(value[0]);
        break;
      case kSackPermitted:
        if (length != 2) return false;
        parsed.sack_permitted = true;
        break;
      default:
        break;  // timestamps, SACK blocks, unknown kinds: well formed, not used
    }
    i += length;
  }
  *out = parsed;
  return true;
}

size_t encode_syn_options(const TcpSynOptions& options, uint8_t* out) {
  size_t n = 0;
  out[n++] = kMss;
  out[n++] = 4;
  out[n++] = static_cast<uint8_t>(options.mss >> 8);
  out[n++] = static_cast<uint8_t>(options.mss & 0xFF);
  if (options.window_scale >= 0) {
    out[n++] = kNop;
    out[n++] = kWindowScale;
    out[n++] = 3;
    out[n++] = static_cast<uint8_t>(options.window_scale > kMaxShift ? kMaxShift : options.window_scale);
  }
  if (options.sack_permitted) {
    out[n++] = kNop;
    out[n++] = kNop;
    out[n++] = kSackPermitted;
    out[n++] = 2;
  }
  return n;
}

size_t encode_sack_option(const uint32_t (*blocks)[2], uint8_t count, uint8_t* out) {
  if (count > 4) count = 4;
  if (count == 0) return 0;
  out[0] = 1;  // NOP, NOP: the blocks start 4-byte aligned
  out[1] = 1;
  out[2] = 5;
  out[3] = static_cast<uint8_t>(2 + 8 * count);
  size_t at = 4;
  for (uint8_t i = 0; i < count; ++i) {
    for (const uint32_t edge : {blocks[i][0], blocks[i][1]}) {
      out[at++] = static_cast<uint8_t>(edge >> 24);
      out[at++] = static_cast<uint8_t>(edge >> 16);
      out[at++] = static_cast<uint8_t>(edge >> 8);
      out[at++] = static_cast<uint8_t>(edge);
    }
  }
  return at;
}

}  // namespace sluice::reassembly
