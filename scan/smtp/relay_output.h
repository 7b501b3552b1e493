// scan/smtp/relay_output.h — bytes the SMTP relay has produced for one side and not yet handed to TCP.
//
// Owns: one buffer whose capacity is fixed when the relay is built. The relay asks room() before it produces
// anything, so the buffer never grows: a slow peer fills it, the relay stops reading the other side, and the
// TCP receive window closes (backpressure instead of memory). Calls nothing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::smtp {

class RelayOutput {
 public:
  // Memory is taken as the buffer first fills and kept (pooled sessions): an idle session holds none.
  explicit RelayOutput(size_t capacity) : capacity_(capacity) {}

  size_t room() const { return capacity_ - (bytes_.size() - head_); }
  size_t capacity() const { return capacity_; }
  bool empty() const { return head_ == bytes_.size(); }
  std::string_view pending() const { return std::string_view(bytes_).substr(head_); }

  // Callers check room() first; a write past it is a relay bug, kept safe by growing rather than losing bytes.
  void append(std::string_view s) {
    compact_if_needed(s.size());
    bytes_.append(s);
  }
  void append(char c) {
    compact_if_needed(1);
    bytes_.push_back(c);
  }
  void consumed(size_t n) {
    head_ += n;
    if (head_ == bytes_.size()) {
      bytes_.clear();
      head_ = 0;
    }
  }
  void clear() {
    bytes_.clear();
    head_ = 0;
  }

 private:
  void compact_if_needed(size_t more) {
    if (head_ != 0 && bytes_.size() + more > bytes_.capacity()) {
      bytes_.erase(0, head_);
      head_ = 0;
    }
  }

  size_t capacity_;
  std::string bytes_;
  size_t head_ = 0;
};

}  // namespace sluice::smtp
