// tests/unit/url/extract_helpers.h — runs a UrlExtractor over a text in chunks and returns what it found, for the
// URL unit tests (extractor_test.cc, folded_url_test.cc).
// May call: scan/url/url_extractor.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/url/url_extractor.h"

namespace sluice::url::test {

using Found = std::vector<std::pair<std::string, uint16_t>>;   // normalised URL, flags

// chunk == 0: one feed() call.
inline Found extract_with(UrlExtractor& extractor, std::string_view input, bool html, size_t chunk) {
  extractor.begin(html);
  if (chunk == 0) chunk = input.size() + 1;
  for (size_t i = 0; i < input.size(); i += chunk) extractor.feed(input.substr(i, chunk));
  extractor.end();
  Found found;
  for (const Url& url : extractor.urls()) found.emplace_back(url.normalized, url.flags);
  return found;
}

inline Found extract(std::string_view input, bool html = false, size_t chunk = 0, const UrlLimits& limits = {}) {
  UrlExtractor extractor(limits);
  return extract_with(extractor, input, html, chunk);
}

}  // namespace sluice::url::test
