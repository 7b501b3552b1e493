// A reduced form of the HTML tokenizer's tag and attribute states
// (WHATWG HTML 13.2.5.32-40); comments, scripts and doctype are treated as
// text or tags, which at worst misplaces a value boundary, never a byte.
#include "scan/url/html_context.h"

#include <string_view>

namespace sluice::url::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

constexpr std::array<std::string_view, 13> kUrlAttributes = {
    "href", "src", "srcset", "action", "formaction", "background", "poster",
    "cite", "data", "longdesc", "lowsrc", "dynsrc", "xlink:href",
};

}  // namespace

void HtmlContext::reset() { *this = HtmlContext{}; }

void HtmlContext::start_attribute_name(char c) {
  name_[0] = lower(c);
  name_length_ = 1;
  name_overflow_ = false;
  state_ = State::AttributeName;
}

void HtmlContext::start_value() {
  url_value_ = attribute_carries_url();
  value_index_ = 0;
}

bool HtmlContext::attribute_carries_url() const {
  if (name_overflow_) return false;
  const std::string_view name(name_.data(), name_length_);
  for (auto known : kUrlAttributes) {
    if (known == name) return true;
  }
  return false;
}

HtmlByteRole HtmlContext::push(char c, bool from_reference) {
  HtmlByteRole role;
  const bool markup = !from_reference;
  switch (state_) {
    case State::Text:
      if (markup && c == '<') state_ = State::TagName;
      break;
    case State::TagName:
      if (c == '>') state_ = State::Text;
      else if (is_space(c)) state_ = State::BeforeAttribute;
      break;
    case State::BeforeAttribute:
      if (c == '>') state_ = State::Text;
      else if (!is_space(c) && c != '/') start_attribute_name(c);
      break;
    case State::AttributeName:
      if (c == '=') state_ = State::BeforeValue;
      else if (is_space(c)) state_ = State::AfterAttributeName;
      else if (c == '>') state_ = State::Text;
      else if (c == '/') state_ = State::BeforeAttribute;
      else if (name_length_ < name_.size()) name_[name_length_++] = lower(c);
      else name_overflow_ = true;
      break;
    case State::AfterAttributeName:
      if (c == '=') state_ = State::BeforeValue;
      else if (c == '>') state_ = State::Text;
      else if (!is_space(c) && c != '/') start_attribute_name(c);
      break;
    case State::BeforeValue:
      if (is_space(c)) break;
      if (c == '>') {
        state_ = State::Text;
        break;
      }
      start_value();
      if (c == '"' || c == '\'') {
        quote_ = c;
        state_ = State::QuotedValue;
        break;
      }
      state_ = State::UnquotedValue;
      role = HtmlByteRole{false, url_value_, false, value_index_++};
      break;
    case State::QuotedValue:
      if (markup && c == quote_) {
        state_ = State::BeforeAttribute;
        role.closes_value = true;
      } else {
        role = HtmlByteRole{false, url_value_, true, value_index_++};
      }
      break;
    case State::UnquotedValue:
      if (is_space(c)) state_ = State::BeforeAttribute;
      else if (c == '>') state_ = State::Text;
      else role = HtmlByteRole{false, url_value_, false, value_index_++};
      break;
  }
  return role;
}

}  // namespace sluice::url::detail
