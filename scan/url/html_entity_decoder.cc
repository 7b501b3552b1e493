// Named references: the ones that spell URL syntax, plus those honest HTML
// uses around links. Anything else stays text, which only costs a missed
// decode, never a wrong one.
#include "scan/url/html_entity_decoder.h"

namespace sluice::url::detail {
namespace {

struct NamedReference {
  std::string_view name;
  uint32_t code_point;
  bool legacy;  // HTML accepts it without the ';'
};
constexpr std::array<NamedReference, 26> kNamedReferences = {{
    {"amp", '&', true},    {"lt", '<', true},      {"gt", '>', true},      {"quot", '"', true},
    {"apos", '\'', false}, {"nbsp", 0xA0, true},   {"colon", ':', false},  {"sol", '/', false},
    {"bsol", '\\', false}, {"period", '.', false}, {"commat", '@', false}, {"lpar", '(', false},
    {"rpar", ')', false},  {"lsqb", '[', false},   {"rsqb", ']', false},   {"num", '#', false},
    {"percnt", '%', false}, {"quest", '?', false}, {"equals", '=', false}, {"excl", '!', false},
    {"tab", '\t', false},  {"newline", '\n', false}, {"plus", '+', false}, {"dollar", '$', false},
    {"comma", ',', false}, {"semi", ';', false},
}};

}  // namespace

uint32_t HtmlEntityDecoder::named_code_point(std::string_view name, bool with_semicolon) {
  for (const auto& ref : kNamedReferences) {
    if (ref.name == name) return (with_semicolon || ref.legacy) ? ref.code_point : 0;
  }
  return 0;
}

size_t HtmlEntityDecoder::encode_utf8(uint32_t cp, std::array<char, 4>& out) {
  // NUL, surrogates and out-of-range values become U+FFFD, as browsers do.
  if (cp == 0 || cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

}  // namespace sluice::url::detail
