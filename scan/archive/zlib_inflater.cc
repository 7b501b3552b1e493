#include "scan/archive/zlib_inflater.h"

#include <algorithm>
#include <climits>

namespace sluice::archive {

ZlibInflater::ZlibInflater(ReusableArena& arena, int window_bits) : window_bits_(window_bits) {
  stream_.zalloc = &ReusableArena::zlib_alloc;
  stream_.zfree = &ReusableArena::zlib_free;
  stream_.opaque = &arena;
  ready_ = inflateInit2(&stream_, window_bits_) == Z_OK;
}

ZlibInflater::~ZlibInflater() {
  if (ready_) inflateEnd(&stream_);
}

void ZlibInflater::reset() {
  if (ready_) ready_ = inflateReset2(&stream_, window_bits_) == Z_OK;
}

InflateStatus ZlibInflater::step(std::string_view& in, std::span<char> out, size_t& produced) {
  produced = 0;
  if (!ready_) return InflateStatus::Error;
  const auto in_len = static_cast<uInt>(std::min<size_t>(in.size(), UINT_MAX));
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream_.avail_in = in_len;
  stream_.next_out = reinterpret_cast<Bytef*>(out.data());
  stream_.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&stream_, Z_NO_FLUSH);
  in.remove_prefix(in_len - stream_.avail_in);
  produced = out.size() - stream_.avail_out;
  stream_.next_in = nullptr;  // never leave zlib pointing into the caller's buffer
  stream_.avail_in = 0;
  switch (rc) {
    case Z_STREAM_END: return InflateStatus::StreamEnd;
    case Z_OK:
    case Z_BUF_ERROR: return InflateStatus::Progress;  // Z_BUF_ERROR: needs more input
    default: return InflateStatus::Error;
  }
}

}  // namespace sluice::archive
