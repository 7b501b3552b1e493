// libFuzzer target: scan/url — UrlExtractor on streamed text or HTML, or PdfUrlScanner on a PDF made of the input
// (the first byte: bit 1 picks PDF, else bit 0 picks HTML; the rest the chunk size), and normalize_url on the whole
// input as one candidate. The PDF holds the input three times: as uncompressed objects (where the fuzzer's own
// "/Filter /FlateDecode ... stream" bytes reach the corrupt-deflate path), deflated in a FlateDecode stream, and
// that stream cut short (a truncated deflate followed by "endstream"), so the inflating path is always exercised.
// Invariants checked beyond "no crash":
//  - chunking does not matter: the input fed in chunks gives the same URLs, flags and drop count as fed whole;
//  - bounds: at most max_urls_per_view URLs are kept, each normalised form at most 4 x max_url_length + 64
//    bytes (escapes and Punycode may grow it), and they are distinct;
//  - every normalised URL is canonical: http/https/ftp, a non-empty lowercase host that appears right after
//    the scheme, no fragment, no byte that is a control, a space or non-ASCII; and it is a fixed point:
//    normalize_url(normalized) gives the same string back (lists match only if canonical forms are stable);
//  - PDF: at most max_pdf_inflated_bytes inflated (small limits here, so both budgets are reached), chunked and
//    whole give the same URLs and the same inflation figures.
// May call: scan/url/url_extractor.h, scan/url/pdf_url_scanner.h, scan/url/url.h, zlib.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <zlib.h>

#include "scan/url/pdf_url_scanner.h"
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

std::string pdf_of(std::string_view text) {
  uLongf size = compressBound(text.size());
  std::string deflated(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(deflated.data()), &size, reinterpret_cast<const Bytef*>(text.data()),
                text.size(), Z_BEST_SPEED) != Z_OK) {
    size = 0;
  }
  deflated.resize(size);
  std::string pdf = "%PDF-1.7\n1 0 obj\n";
  pdf.append(text);
  pdf += "\nendobj\n2 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + deflated + "\nendstream\nendobj\n";
  pdf += "3 0 obj\n<< /Filter [/Fl] >>\nstream\r\n" + deflated.substr(0, deflated.size() / 2) + "\nendstream\nendobj\n";
  return pdf + "%%EOF\n";
}

struct PdfReading {
  std::vector<Url> urls;
  uint32_t dropped = 0;
  PdfUrlScanner::InflateStats stats;
};

PdfReading read_pdf(const UrlLimits& limits, std::string_view pdf, size_t chunk) {
  PdfUrlScanner scanner(limits);
  scanner.begin();
  for (size_t off = 0; off < pdf.size(); off += chunk) scanner.feed(pdf.substr(off, chunk));
  scanner.end();
  require(scanner.is_pdf());
  return {scanner.urls(), scanner.dropped(), scanner.inflate_stats()};
}

void check_pdf(const UrlLimits& limits, std::string_view text, size_t chunk) {
  const std::string pdf = pdf_of(text);
  const PdfReading whole = read_pdf(limits, pdf, pdf.size() + 1);
  const PdfReading chunked = read_pdf(limits, pdf, chunk);
  require(whole.urls.size() <= limits.max_urls_per_view);
  require(whole.urls.size() == chunked.urls.size() && whole.dropped == chunked.dropped);
  require(whole.stats.inflated_bytes <= limits.max_pdf_inflated_bytes);
  require(whole.stats.inflated_bytes == chunked.stats.inflated_bytes && whole.stats.streams == chunked.stats.streams &&
          whole.stats.corrupt == chunked.stats.corrupt && whole.stats.cut == chunked.stats.cut);
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < whole.urls.size(); ++i) {
    require(whole.urls[i].normalized == chunked.urls[i].normalized && whole.urls[i].flags == chunked.urls[i].flags);
    require(seen.insert(whole.urls[i].normalized).second);
    check_canonical(whole.urls[i], limits.max_url_length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool pdf = data[0] & 2;
  const bool html = data[0] & 1;
  const size_t chunk = 1 + (data[0] >> 2) % 64;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  UrlLimits limits;
  limits.max_urls_per_view = 16;   // small limits: the fuzzer reaches the drop and truncation paths
  limits.max_url_length = 256;
  limits.max_embedded_urls_per_candidate = 3;
  limits.max_pdf_inflated_bytes = 8192;   // ... and both inflation budgets
  limits.max_pdf_stream_inflated_bytes = 4096;
  if (pdf) {
    check_pdf(limits, text, chunk);
    return 0;
  }

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
