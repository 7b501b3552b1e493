// scan/smtp/line_assembler.cc — see line_assembler.h.
#include "scan/smtp/line_assembler.h"

namespace sluice::smtp {

LineAssembler::LineAssembler(uint32_t max_line_length)
    : max_line_length_(max_line_length == 0 ? 1 : max_line_length) {
  line_.reserve(max_line_length_);
}

void LineAssembler::reset() {
  line_.clear();
  piece_.text = {};
  emitted_ = false;
  pending_cr_ = false;
  at_line_start_ = true;
  piece_bare_cr_ = piece_bare_lf_ = false;
  skipping_ = false;
}

void LineAssembler::resync_at_next_line() {
  reset();
  skipping_ = true;
}

void LineAssembler::emit(bool last) {
  piece_.text = line_;
  piece_.first = at_line_start_;
  piece_.last = last;
  piece_.bare_cr = piece_bare_cr_;
  piece_.bare_lf = piece_bare_lf_;
  at_line_start_ = last;
  emitted_ = true;
  piece_bare_cr_ = piece_bare_lf_ = false;
}

void LineAssembler::append(char byte) {
  if (byte == '\n') piece_bare_lf_ = true;
  line_.push_back(byte);
}

size_t LineAssembler::feed(std::string_view input, bool& piece_ready) {
  piece_ready = false;
  // The previous piece's bytes were handed out by view: drop them only now.
  if (emitted_) {
    line_.clear();
    piece_.text = {};
    emitted_ = false;
  }
  size_t used = 0;
  while (used < input.size()) {
    const char byte = input[used++];
    if (skipping_) {
      const bool line_end = pending_cr_ && byte == '\n';
      pending_cr_ = !line_end && byte == '\r';
      if (line_end) skipping_ = false;
      continue;
    }
    if (pending_cr_) {
      pending_cr_ = false;
      if (byte == '\n') {
        emit(true);
        piece_ready = true;
        return used;
      }
      if (line_.size() >= max_line_length_) {
        // The CR starts the next piece; re-read the current byte after it.
        --used;
        pending_cr_ = true;
        emit(false);
        piece_ready = true;
        return used;
      }
      piece_bare_cr_ = true;
      line_.push_back('\r');
    }
    if (byte == '\r') {
      pending_cr_ = true;
      continue;
    }
    if (line_.size() >= max_line_length_) {
      --used;
      emit(false);
      piece_ready = true;
      return used;
    }
    append(byte);
  }
  return used;
}

}  // namespace sluice::smtp
