#pragma once
// Internal: one zlib inflate stream whose memory comes from a ReusableArena, stepped one
// output window at a time. Used by the zip walker (raw deflate) and the gzip reader.
#include <zlib.h>

#include <cstddef>
#include <span>
#include <string_view>

#include "scan/archive/reusable_arena.h"

namespace sluice::archive {

enum class InflateStatus { Progress, StreamEnd, Error };

class ZlibInflater {
 public:
  // window_bits as for inflateInit2: -15 raw deflate, 31 gzip.
  ZlibInflater(ReusableArena& arena, int window_bits);
  ~ZlibInflater();
  ZlibInflater(const ZlibInflater&) = delete;
  ZlibInflater& operator=(const ZlibInflater&) = delete;

  void reset();  // next stream; keeps the allocated state and window
  // Consumes from `in` (advanced past what zlib took) into `out`; `produced` bytes written.
  // Callers step again while produced == out.size(): zlib may hold more output.
  InflateStatus step(std::string_view& in, std::span<char> out, size_t& produced);
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
  int window_bits_;
  bool ready_ = false;  // false if inflateInit2 failed (out of memory): every step errors
};

}  // namespace sluice::archive
