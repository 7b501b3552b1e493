// scan/url/html_entity_decoder.h — streaming HTML character-reference decoder.
//
// Owns: turning "&#104;", "&#x68;", "&amp;" and the few named references that
// can spell a URL into their bytes, one input byte at a time, so a reference
// split across feed() chunks decodes the same as a whole one. Holds at most a
// dozen bytes between calls.
// May call: the C++ standard library only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::url::detail {

struct DecodedByte {
  char byte;
  bool from_reference;  // produced by a character reference
  bool evasive;         // a reference honest HTML has no need for inside a URL
};

class HtmlEntityDecoder {
 public:
  void reset() { state_ = State::Text; pending_length_ = 0; value_ = 0; digits_ = 0; }

  // Decodes one input byte; calls emit(DecodedByte) zero or more times.
  template <class Emit>
  void push(char c, Emit&& emit);
  // Releases a reference left open at the end of the input.
  template <class Emit>
  void flush(Emit&& emit);

 private:
  enum class State : uint8_t { Text, Ampersand, Hash, Hex, Decimal, Name };
  // Longest name in the table is 7 letters; longer runs are plain text.
  static constexpr size_t kMaxNameLength = 8;
  // Beyond this a numeric reference is U+FFFD anyway; saturating keeps it bounded.
  static constexpr uint32_t kMaxCodePoint = 0x10FFFF;

  // Looks up `name` (no '&', no ';'). Returns 0 when unknown.
  static uint32_t named_code_point(std::string_view name, bool with_semicolon);
  // &amp; (required in queries) and &nbsp; (a word separator) are ordinary.
  static bool is_ordinary_reference(std::string_view name) { return name == "amp" || name == "nbsp"; }
  static size_t encode_utf8(uint32_t code_point, std::array<char, 4>& out);

  template <class Emit>
  void emit_pending_as_text(Emit& emit);
  template <class Emit>
  void emit_code_point(uint32_t code_point, bool evasive, Emit& emit);

  State state_ = State::Text;
  std::array<char, 2 + kMaxNameLength> pending_{};  // "&", "&#", "&#x" or "&name"
  size_t pending_length_ = 0;
  uint32_t value_ = 0;
  uint32_t digits_ = 0;
};

template <class Emit>
void HtmlEntityDecoder::emit_pending_as_text(Emit& emit) {
  for (size_t i = 0; i < pending_length_; ++i) emit(DecodedByte{pending_[i], false, false});
  pending_length_ = 0;
  state_ = State::Text;
}

template <class Emit>
void HtmlEntityDecoder::emit_code_point(uint32_t code_point, bool evasive, Emit& emit) {
  std::array<char, 4> bytes{};
  const size_t n = encode_utf8(code_point, bytes);
  for (size_t i = 0; i < n; ++i) emit(DecodedByte{bytes[i], true, evasive});
  pending_length_ = 0;
  state_ = State::Text;
}

template <class Emit>
void HtmlEntityDecoder::push(char c, Emit&& emit) {
  const bool digit = c >= '0' && c <= '9';
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const bool hex_letter = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  switch (state_) {
    case State::Text:
      if (c == '&') {
        pending_[0] = c;
        pending_length_ = 1;
        state_ = State::Ampersand;
      } else {
        emit(DecodedByte{c, false, false});
      }
      return;
    case State::Ampersand:
      if (c == '#' || letter) {
        pending_[pending_length_++] = c;
        state_ = c == '#' ? State::Hash : State::Name;
        value_ = digits_ = 0;
        return;
      }
      break;
    case State::Hash:
      if (c == 'x' || c == 'X') {
        pending_[pending_length_++] = c;
        state_ = State::Hex;
        return;
      }
      if (digit) {
        state_ = State::Decimal;
        push(c, emit);
        return;
      }
      break;
    case State::Hex:
    case State::Decimal: {
      const bool hex = state_ == State::Hex;
      if (digit || (hex && hex_letter)) {
        const uint32_t d = digit ? static_cast<uint32_t>(c - '0') : static_cast<uint32_t>((c | 0x20) - 'a' + 10);
        value_ = value_ * (hex ? 16 : 10) + d;
        if (value_ > kMaxCodePoint) value_ = kMaxCodePoint + 1;
        ++digits_;
        return;
      }
      if (digits_ == 0) break;
      emit_code_point(value_, true, emit);
      if (c != ';') push(c, emit);  // the semicolon is optional for numeric references
      return;
    }
    case State::Name:
      if ((letter || digit) && pending_length_ < pending_.size()) {
        pending_[pending_length_++] = c;
        return;
      }
      {
        const std::string_view name(pending_.data() + 1, pending_length_ - 1);
        const uint32_t code_point = named_code_point(name, c == ';');
        if (code_point != 0) {
          emit_code_point(code_point, !is_ordinary_reference(name), emit);
          if (c != ';') push(c, emit);
          return;
        }
      }
      break;
  }
  // Not a reference after all: the bytes were text, and `c` starts afresh.
  emit_pending_as_text(emit);
  push(c, emit);
}

template <class Emit>
void HtmlEntityDecoder::flush(Emit&& emit) {
  if ((state_ == State::Hex || state_ == State::Decimal) && digits_ > 0) {
    emit_code_point(value_, true, emit);
    return;
  }
  if (state_ == State::Name) {
    const std::string_view name(pending_.data() + 1, pending_length_ - 1);
    const uint32_t code_point = named_code_point(name, false);
    if (code_point != 0) {
      emit_code_point(code_point, !is_ordinary_reference(name), emit);
      return;
    }
  }
  emit_pending_as_text(emit);
}

}  // namespace sluice::url::detail
