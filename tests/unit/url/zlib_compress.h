// tests/unit/url/zlib_compress.h — a zlib stream (RFC 1950) of some bytes, as a PDF FlateDecode stream holds it;
// for the PDF tests (tests/unit/url and the live MIME-14 rows). Calls zlib.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

namespace sluice::url::testing {

// Empty on a zlib error (the callers' assertions on what the scanner finds then fail).
inline std::string zlib_compress(std::string_view data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                data.size(), Z_BEST_COMPRESSION) != Z_OK) {
    return {};
  }
  out.resize(size);
  return out;
}

}  // namespace sluice::url::testing
