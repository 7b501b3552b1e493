// scan/url/pdf_url_scanner.h — URLs in a PDF file, in its own bytes and inside its FlateDecode streams.
//
// Owns: deciding whether a view is a PDF ("%PDF-" within its first kPdfHeaderWindow bytes, as readers accept it,
// whatever the part was labelled), and finding the URLs in one: link annotations (/URI (http://...)) and any
// http(s)/www text. Four plain-text UrlExtractors run side by side: the raw bytes (what a text scan of the file
// sees); the content of the file's PDF strings with their escapes decoded (pdf_lexer.h); and the same two
// readings of every FlateDecode stream body inflated (pdf_stream_inflater.h) — object streams (PDF 1.5
// /Type /ObjStm, where modern writers put link annotations) and content streams alike. Each inflated stream is
// ended by a space, so two streams never join into one URL. A corrupt stream ends where zlib says so and lexing
// goes on from there; a stream over its budget is skipped to its "endstream". Past the caller's deadline
// (set_deadline_tsc) nothing more is inflated in this view: the caller sees its deadline passed and treats the
// message as not fully scanned.
// Work is O(1) per byte of the file plus O(1) per inflated byte, at most UrlLimits::max_pdf_inflated_bytes of
// them; memory is the four extractors, a head of at most kPdfHeaderWindow bytes, and (from the first compressed
// stream on) one zlib state and a 16 KiB window, reused.
// Not done: filters other than FlateDecode (ASCIIHex, ASCII85, LZW, RunLength, and Flate behind one of them),
// /DecodeParms predictors (PNG predictors insert a byte per row, which can split a URL; writers use them for
// xref streams, rarely for object or content streams), encrypted PDFs; UTF-16 strings (FE FF ...) are read byte
// by byte, so their NULs end URLs.
// May call: url_extractor.h, pdf_lexer.h, pdf_stream_inflater.h and the C++ standard library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scan/url/pdf_lexer.h"
#include "scan/url/pdf_stream_inflater.h"
#include "scan/url/url.h"
#include "scan/url/url_extractor.h"

namespace sluice::url {

class PdfUrlScanner final : private PdfStreamInflater::Sink {
 public:
  // PDF readers look for the header within the first 1024 bytes (ISO 32000 implementation notes).
  static constexpr size_t kPdfHeaderWindow = 1024;

  // What became of the FlateDecode streams of the current view.
  struct InflateStats {
    uint32_t streams = 0;    // bodies started
    uint32_t corrupt = 0;    // ended by a zlib error
    uint32_t cut = 0;        // stopped by max_pdf_stream_inflated_bytes or max_pdf_inflated_bytes
    uint32_t skipped = 0;    // not inflated at all: the PDF's budget or the deadline was already spent (or off)
    uint64_t inflated_bytes = 0;
    bool time_limit = false; // the caller's deadline stopped inflation
  };

  explicit PdfUrlScanner(const UrlLimits& limits);

  // Starts a new view of unknown content; bytes that turn out not to be a PDF are ignored.
  void begin();
  // Arbitrary chunking: the result does not depend on how the bytes are split.
  void feed(std::string_view bytes);
  void end();
  // TSC reading (rdtsc) after which no more is inflated in this view; 0 = none. Kept until changed.
  void set_deadline_tsc(uint64_t deadline_tsc) { inflater_.set_deadline_tsc(deadline_tsc); }

  bool is_pdf() const { return sniff_ == Sniff::Pdf; }
  // All readings merged, de-duplicated by normalized form (flags united), raw reading first; at most
  // max_urls_per_view.
  const std::vector<Url>& urls() const { return urls_; }
  uint32_t dropped() const { return dropped_; }
  const InflateStats& inflate_stats() const { return stats_; }

 private:
  enum class Sniff : uint8_t { Undecided, Pdf, NotPdf };
  enum class Body : uint8_t { None, Inflating, Skipping };

  void scan(std::string_view bytes);
  void start_body();
  void end_inflated_stream();
  void skip_to_endstream(std::string_view& bytes);
  void on_inflated(std::string_view bytes) override;
  void merge(const UrlExtractor& from);

  UrlLimits limits_;
  UrlExtractor raw_;
  UrlExtractor strings_;
  UrlExtractor inflated_raw_;
  UrlExtractor inflated_strings_;
  PdfLexer lexer_{true};            // the file's bytes
  PdfLexer inflated_lexer_{false};  // the current inflated stream, reset for each
  PdfStreamInflater inflater_;
  Sniff sniff_ = Sniff::Undecided;
  Body body_ = Body::None;
  std::string head_;              // bytes before the header was found, at most kPdfHeaderWindow
  std::string decoded_;           // string content decoded from the current feed, handed to strings_ at its end
  std::string inflated_decoded_;  // the same for one window of inflated bytes
  std::string endstream_tail_;    // while skipping a body: its last bytes, to see "endstream"
  InflateStats stats_;

  std::vector<Url> urls_;
  std::unordered_map<std::string, size_t> index_;   // normalized form -> position in urls_
  uint32_t dropped_ = 0;
  uint32_t listed_beyond_cap_ = 0;   // listed URLs kept past max_urls_per_view
};

}  // namespace sluice::url
