#include "scan/url/pdf_stream_inflater.h"

#include <x86intrin.h>

#include <algorithm>

namespace sluice::url {

PdfStreamInflater::~PdfStreamInflater() {
  if (initialised_) inflateEnd(&stream_);
}

bool PdfStreamInflater::begin_stream() {
  if (limits_.max_pdf_inflated_bytes == 0 || limits_.max_pdf_stream_inflated_bytes == 0) return false;
  if (pdf_bytes_ >= limits_.max_pdf_inflated_bytes) return false;
  if (!initialised_) {
    // Most views are not PDFs, and most PDFs views are few: the state is made on the first compressed stream.
    stream_ = z_stream{};
    if (inflateInit(&stream_) != Z_OK) return false;
    initialised_ = true;
    window_ = std::make_unique<char[]>(kWindow);
  } else if (inflateReset(&stream_) != Z_OK) {
    return false;
  }
  stream_bytes_ = 0;
  return true;
}

PdfStreamInflater::Status PdfStreamInflater::inflate(std::string_view& in, Sink& sink) {
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream_.avail_in = static_cast<uInt>(in.size());   // callers feed at most a view's chunk, far below 4 GiB
  for (;;) {
    const uint64_t stream_left = limits_.max_pdf_stream_inflated_bytes - stream_bytes_;
    const uint64_t pdf_left = limits_.max_pdf_inflated_bytes - pdf_bytes_;
    const uint64_t left = std::min(stream_left, pdf_left);
    // One byte of room beyond the budget tells a stream that ends exactly there from one that goes on.
    const size_t room = static_cast<size_t>(std::min<uint64_t>(kWindow, left + 1));
    stream_.next_out = reinterpret_cast<Bytef*>(window_.get());
    stream_.avail_out = static_cast<uInt>(room);
    const int rc = ::inflate(&stream_, Z_NO_FLUSH);
    const size_t produced = room - stream_.avail_out;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(produced, left));
    in.remove_prefix(in.size() - stream_.avail_in);
    if (take > 0) {
      stream_bytes_ += take;
      pdf_bytes_ += take;
      sink.on_inflated(std::string_view(window_.get(), take));
    }
    if (produced > left) return stream_left <= pdf_left ? Status::StreamBudget : Status::PdfBudget;
    if (rc == Z_STREAM_END) return Status::Done;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Status::Corrupt;   // data error, a preset dictionary, no memory
    if (stream_.avail_in == 0 && stream_.avail_out != 0) return Status::NeedInput;
    if (rc == Z_BUF_ERROR) return Status::NeedInput;   // no progress possible without more input
    if (deadline_tsc_ != 0 && __rdtsc() >= deadline_tsc_) return Status::Deadline;
  }
}

}  // namespace sluice::url
