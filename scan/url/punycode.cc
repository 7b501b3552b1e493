// RFC 3492 section 6.3 encoder, with the section 5 parameters.
#include "scan/url/punycode.h"

#include <cstdint>
#include <vector>

namespace sluice::url::detail {
namespace {

constexpr uint32_t kBase = 36;
constexpr uint32_t kTMin = 1;
constexpr uint32_t kTMax = 26;
constexpr uint32_t kSkew = 38;
constexpr uint32_t kDamp = 700;
constexpr uint32_t kInitialBias = 72;
constexpr uint32_t kInitialN = 0x80;
// DNS labels are at most 63 octets; anything much longer is not a real host
// and bounding it keeps the O(n^2) encoder loop cheap.
constexpr size_t kMaxLabelCodePoints = 256;

char digit_char(uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

uint32_t adapt(uint32_t delta, uint32_t num_points, bool first_time) {
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

bool decode_utf8(std::string_view in, std::vector<uint32_t>& out) {
  size_t i = 0;
  while (i < in.size()) {
    const auto b = static_cast<unsigned char>(in[i]);
    uint32_t cp;
    size_t extra;
    if (b < 0x80) { cp = b; extra = 0; }
    else if ((b & 0xE0) == 0xC0) { cp = b & 0x1F; extra = 1; }
    else if ((b & 0xF0) == 0xE0) { cp = b & 0x0F; extra = 2; }
    else if ((b & 0xF8) == 0xF0) { cp = b & 0x07; extra = 3; }
    else return false;
    if (i + extra >= in.size() && extra > 0) return false;  // sequence cut short
    for (size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(in[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Reject overlong forms and surrogates: they are evasion, not names.
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += extra + 1;
    if (out.size() > kMaxLabelCodePoints) return false;
  }
  return true;
}

}  // namespace

bool append_punycode_label(std::string_view utf8_label, std::string& out) {
  std::vector<uint32_t> code_points;
  if (!decode_utf8(utf8_label, code_points)) return false;
  out += "xn--";
  uint32_t basic_count = 0;
  for (uint32_t cp : code_points) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
      ++basic_count;
    }
  }
  if (basic_count > 0) out += '-';

  uint32_t n = kInitialN;
  uint32_t bias = kInitialBias;
  uint64_t delta = 0;
  uint32_t handled = basic_count;
  const auto total = static_cast<uint32_t>(code_points.size());
  while (handled < total) {
    uint32_t next = 0x110000;
    for (uint32_t cp : code_points) {
      if (cp >= n && cp < next) next = cp;
    }
    delta += static_cast<uint64_t>(next - n) * (handled + 1);
    n = next;
    for (uint32_t cp : code_points) {
      if (cp < n) ++delta;
      if (cp != n) continue;
      uint64_t q = delta;
      for (uint32_t k = kBase;; k += kBase) {
        const uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
        if (q < t) break;
        out += digit_char(static_cast<uint32_t>(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out += digit_char(static_cast<uint32_t>(q));
      bias = adapt(static_cast<uint32_t>(delta), handled + 1, handled == basic_count);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return true;
}

}  // namespace sluice::url::detail
