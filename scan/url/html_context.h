// scan/url/html_context.h — just enough HTML tokenising to place URLs.
//
// Owns: knowing, byte by byte, whether we are inside an attribute value,
// whether that attribute carries a URL (href, src, srcset, action, ...), how
// far into the value we are, and which quote closes it. The URL scanner uses
// this to end a URL at its closing quote, to skip the tabs and newlines
// browsers strip from URL attributes, and to find "//host" links that have
// no scheme. Everything else (text, CSS url(), meta refresh) is found by the
// text scan itself. State is a few bytes; nothing is buffered.
// May call: the C++ standard library only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::url::detail {

// Where one decoded byte sits in the markup.
struct HtmlByteRole {
  bool closes_value = false;    // the quote that ends a quoted attribute value
  bool in_url_value = false;    // inside the value of a URL-carrying attribute
  bool quoted = false;          // that value is quoted
  uint32_t value_index = 0;     // position of this byte in the value
};

class HtmlContext {
 public:
  void reset();
  // `from_reference`: the byte came from a character reference, so it is
  // content and never markup ("&quot;" does not close a value).
  HtmlByteRole push(char c, bool from_reference);

 private:
  enum class State : uint8_t {
    Text, TagName, BeforeAttribute, AttributeName, AfterAttributeName, BeforeValue, QuotedValue,
    UnquotedValue,
  };
  // Longest URL-carrying attribute name we know ("formaction", "xlink:href").
  static constexpr size_t kMaxAttributeName = 12;

  void start_attribute_name(char c);
  void start_value();
  bool attribute_carries_url() const;

  State state_ = State::Text;
  std::array<char, kMaxAttributeName> name_{};
  size_t name_length_ = 0;
  bool name_overflow_ = false;
  bool url_value_ = false;
  char quote_ = 0;
  uint32_t value_index_ = 0;
};

}  // namespace sluice::url::detail
