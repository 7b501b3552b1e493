#include "scan/mime/line_splitter.h"

#include <algorithm>

#include "scan/mime/mime_sink.h"

namespace sluice::mime {

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
    while (j < limit && in[j] != '\r' && in[j] != '\n') {
      if (in[j] == '\0') pending_ |= static_cast<uint32_t>(Anomaly::NulByte);
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
