#include "scan/mime/line_splitter.h"

#include <algorithm>
#include <array>
#include <emmintrin.h>

#include "scan/mime/mime_sink.h"

namespace sluice::mime {
namespace {

// Bytes the line scan must stop at: CR, LF (line ends) and NUL (flagged). One lookup per byte keeps the
// scan of long body lines cheap.
constexpr std::array<bool, 256> make_stop_table() {
  std::array<bool, 256> t{};
  t['\r'] = t['\n'] = t['\0'] = true;
  return t;
}
constexpr auto kStop = make_stop_table();

// Index of the first CR, LF or NUL in p[0, n), or n. Sixteen bytes per step (SSE2, baseline on x86-64):
// body lines are long and this scan touches every byte of every message.
size_t find_stop(const char* p, size_t n) {
  const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), nul = _mm_setzero_si128();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, nul));
    if (const int mask = _mm_movemask_epi8(hit)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
  while (i < n && !kStop[static_cast<uint8_t>(p[i])]) ++i;
  return i;
}

}  // namespace

LineSplitter::LineSplitter(uint32_t capacity, uint32_t long_line)
    : capacity_(std::max<uint32_t>(capacity, 1)), long_line_(long_line) {
  buffer_.reserve(capacity_);
}

void LineSplitter::emit(std::string_view text, bool ends, bool eol, LineHandler& handler) {
  LineChunk chunk{text, at_line_start_, ends, eol, pending_};
  pending_ = 0;
  at_line_start_ = ends;
  handler.on_line(chunk);
}

void LineSplitter::feed(std::string_view in, LineHandler& handler) {
  size_t i = 0;
  while (i < in.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (in[i] == '\n') {
        ++i;
        continue;
      }
      pending_ |= static_cast<uint32_t>(Anomaly::BareCr);
    }
    // Find the end of this line within the input, or as much as fits.
    const size_t room = capacity_ - buffer_.size();
    const size_t limit = std::min(in.size(), i + room);
    size_t j = i;
    for (;;) {
      j += find_stop(in.data() + j, limit - j);
      if (j == limit || in[j] != '\0') break;
      pending_ |= static_cast<uint32_t>(Anomaly::NulByte);
      ++j;
    }
    line_length_ += j - i;
    if (line_length_ > long_line_) pending_ |= static_cast<uint32_t>(Anomaly::LongLine);
    const std::string_view piece = in.substr(i, j - i);
    if (j < in.size() && (in[j] == '\r' || in[j] == '\n')) {
      if (in[j] == '\n') pending_ |= static_cast<uint32_t>(Anomaly::BareLf);
      after_cr_ = in[j] == '\r';
      if (buffer_.empty()) {
        emit(piece, true, true, handler);  // whole line in the input: no copy
      } else {
        buffer_.append(piece);
        emit(buffer_, true, true, handler);
        buffer_.clear();
      }
      line_length_ = 0;
      i = j + 1;
      continue;
    }
    buffer_.append(piece);
    i = j;
    if (buffer_.size() == capacity_) {
      emit(buffer_, false, false, handler);
      buffer_.clear();
    }
  }
}

uint32_t LineSplitter::finish(LineHandler& handler) {
  if (after_cr_) pending_ |= static_cast<uint32_t>(Anomaly::BareCr);
  after_cr_ = false;
  if (!buffer_.empty() || !at_line_start_) {
    emit(buffer_, true, false, handler);
    buffer_.clear();
  }
  line_length_ = 0;
  const uint32_t undelivered = pending_;
  pending_ = 0;
  return undelivered;
}

void LineSplitter::reset() {
  buffer_.clear();
  line_length_ = 0;
  at_line_start_ = true;
  after_cr_ = false;
  pending_ = 0;
}

}  // namespace sluice::mime
