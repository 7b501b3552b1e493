// libFuzzer target: scan/url — UrlExtractor on streamed text or HTML (the first byte: bit 0 picks HTML, the
// rest the chunk size) and normalize_url on the whole input as one candidate.
// Invariants checked beyond "no crash":
//  - chunking does not matter: the input fed in chunks gives the same URLs, flags and drop count as fed whole;
//  - bounds: at most max_urls_per_view URLs are kept, each normalised form at most 4 x max_url_length + 64
//    bytes (escapes and Punycode may grow it), and they are distinct;
//  - every normalised URL is canonical: http/https/ftp, a non-empty lowercase host that appears right after
//    the scheme, no fragment, no byte that is a control, a space or non-ASCII; and it is a fixed point:
//    normalize_url(normalized) gives the same string back (lists match only if canonical forms are stable).
// May call: scan/url/url_extractor.h, scan/url/url.h.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "scan/url/url.h"
#include "scan/url/url_extractor.h"

namespace {

using namespace sluice::url;

void require(bool condition) {
  if (!condition) std::abort();
}

// candidate_bytes: the longest candidate the URL came from (escapes and Punycode may grow it).
void check_canonical(const Url& url, size_t candidate_bytes) {
  const std::string& n = url.normalized;
  require(n.size() <= 4 * candidate_bytes + 64);
  size_t after_scheme = 0;
  for (std::string_view scheme : {"http://", "https://", "ftp://"}) {
    if (n.compare(0, scheme.size(), scheme) == 0) after_scheme = scheme.size();
  }
  require(after_scheme != 0);
  require(!url.host.empty() && n.compare(after_scheme, url.host.size(), url.host) == 0);
  for (char c : url.host) require(!(c >= 'A' && c <= 'Z'));
  for (char c : n) {
    const auto b = static_cast<uint8_t>(c);
    require(b > 0x20 && b < 0x7f && c != '#');
  }
  const std::optional<Url> again = normalize_url(n);
  require(again.has_value() && again->normalized == n);
}

std::vector<Url> extract(const UrlLimits& limits, bool html, std::string_view text, size_t chunk, uint32_t* dropped) {
  UrlExtractor extractor(limits);
  extractor.begin(html);
  for (size_t off = 0; off < text.size(); off += chunk) extractor.feed(text.substr(off, chunk));
  extractor.end();
  *dropped = extractor.dropped();
  return extractor.urls();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool html = data[0] & 1;
  const size_t chunk = 1 + (data[0] >> 1) % 64;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  UrlLimits limits;
  limits.max_urls_per_view = 16;   // small limits: the fuzzer reaches the drop and truncation paths
  limits.max_url_length = 256;
  limits.max_embedded_urls_per_candidate = 3;

  uint32_t dropped_whole = 0, dropped_chunked = 0;
  const std::vector<Url> whole = extract(limits, html, text, text.size() + 1, &dropped_whole);
  const std::vector<Url> chunked = extract(limits, html, text, chunk, &dropped_chunked);
  require(whole.size() <= limits.max_urls_per_view);
  require(whole.size() == chunked.size() && dropped_whole == dropped_chunked);
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < whole.size(); ++i) {
    require(whole[i].normalized == chunked[i].normalized && whole[i].flags == chunked[i].flags);
    require(seen.insert(whole[i].normalized).second);
    check_canonical(whole[i], limits.max_url_length);
  }

  if (const std::optional<Url> single = normalize_url(text)) check_canonical(*single, text.size());
  return 0;
}
