// scan/url/pdf_stream_inflater.h — one zlib inflate stream for PDF FlateDecode bodies, streamed, bounded.
//
// Owns: the zlib state and output window of one PdfUrlScanner (allocated on the first compressed stream, then
// reset and reused for every stream of every view), and the two inflation budgets of UrlLimits: bytes per stream
// and bytes per PDF. The body arrives in arbitrary pieces; inflate() takes what it can and hands each window of
// output to the caller's sink. It reports how the stream ended: zlib's own end of data, corrupt data (the caller
// goes back to lexing right there), a budget spent (the caller skips the rest of the body), or the caller's
// deadline passed (an rdtsc reading, checked once per output window, as scan/archive does): one small feed can
// hold megabytes of deflated text, and the worker must not stay inside it past the message's cycle budget.
// Not done: a body that is raw deflate without the zlib header (no reader writes it; some read it).
// May call: zlib, rdtsc and the C++ standard library.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "scan/url/url.h"

namespace sluice::url {

class PdfStreamInflater {
 public:
  static constexpr size_t kWindow = 16 * 1024;

  enum class Status : uint8_t { NeedInput, Done, Corrupt, StreamBudget, PdfBudget, Deadline };

  // Receives inflated bytes, one window at a time.
  class Sink {
   public:
    virtual void on_inflated(std::string_view bytes) = 0;

   protected:
    ~Sink() = default;
  };

  explicit PdfStreamInflater(const UrlLimits& limits) : limits_(limits) {}
  ~PdfStreamInflater();
  PdfStreamInflater(const PdfStreamInflater&) = delete;
  PdfStreamInflater& operator=(const PdfStreamInflater&) = delete;

  void begin_pdf() { pdf_bytes_ = 0; }
  // TSC reading after which inflate() stops with Deadline; 0 = none.
  void set_deadline_tsc(uint64_t deadline_tsc) { deadline_tsc_ = deadline_tsc; }
  // False when the PDF's budget is already spent (or inflation is off, or zlib has no memory): skip the body.
  bool begin_stream();
  // Consumes from the front of `in` (advanced past what zlib took). NeedInput: all of `in` was taken.
  Status inflate(std::string_view& in, Sink& sink);

  uint64_t pdf_bytes() const { return pdf_bytes_; }

 private:
  UrlLimits limits_;
  z_stream stream_{};
  bool initialised_ = false;
  std::unique_ptr<char[]> window_;
  uint64_t stream_bytes_ = 0;
  uint64_t pdf_bytes_ = 0;
  uint64_t deadline_tsc_ = 0;
};

}  // namespace sluice::url
