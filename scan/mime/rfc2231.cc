#include "scan/mime/rfc2231.h"

#include <algorithm>
#include <string_view>

#include "scan/mime/charset.h"

namespace sluice::mime {
namespace {

struct Section {
  std::string_view base;  // name without markers
  uint32_t number = 0;
  bool extended = false;  // value is %-encoded (trailing '*')
  bool continued = false; // had a "*N" section number
};

// "name*" -> extended; "name*3" -> section 3; "name*3*" -> extended section 3.
bool parse_marker(std::string_view name, Section& s) {
  const size_t star = name.find('*');
  if (star == std::string_view::npos || star == 0) return false;
  s.base = name.substr(0, star);
  std::string_view rest = name.substr(star + 1);
  if (rest.empty()) {
    s.extended = true;
    return true;
  }
  if (rest.back() == '*') {
    s.extended = true;
    rest.remove_suffix(1);
  }
  if (rest.empty() || rest.size() > 6) return false;
  uint32_t n = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  s.number = n;
  s.continued = true;
  return true;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void percent_decode(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
}

// One RFC 2231 section, remembered with its position among all parameters.
struct Piece {
  std::string_view base;
  uint32_t number;
  uint32_t position;
  const HeaderParam* param;
  bool extended;
};

// Joins the sections [first, last) of one name (sorted by number) into `out`.
void join_sections(const Piece* first, const Piece* last, AssembledParam& out) {
  std::string charset;
  std::string bytes;
  for (const Piece* p = first; p != last; ++p) {
    std::string_view v = p->param->value;
    if (!p->extended) {
      bytes.append(v);
      continue;
    }
    // The first extended section carries charset'language' (RFC 2231 §4).
    if (p == first) {
      const size_t q1 = v.find('\'');
      const size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset.assign(v.substr(0, q1));
        v.remove_prefix(q2 + 1);
      }
    }
    percent_decode(v, bytes);
  }
  out.name.assign(first->base);
  out.from_rfc2231 = true;
  append_as_utf8(charset, bytes, out.value);
}

}  // namespace

void assemble_rfc2231(const std::vector<HeaderParam>& raw, uint32_t max_sections,
                      std::vector<AssembledParam>& out) {
  // Sorting by (name, number) makes assembly O(n log n) even for thousands of
  // hostile parameters; positions restore the order of first appearance.
  std::vector<Piece> pieces;
  std::vector<std::pair<uint32_t, AssembledParam>> ordered;
  for (uint32_t i = 0; i < raw.size(); ++i) {
    Section s;
    if (!parse_marker(raw[i].name, s)) {
      ordered.push_back({i, {raw[i].name, raw[i].value, false}});
    } else if (s.number < max_sections) {
      pieces.push_back({s.base, s.number, i, &raw[i], s.extended});
    }
  }
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    return a.base != b.base ? a.base < b.base : a.number < b.number;
  });
  for (size_t begin = 0; begin < pieces.size();) {
    size_t end = begin;
    uint32_t first_position = pieces[begin].position;
    while (end < pieces.size() && pieces[end].base == pieces[begin].base) {
      first_position = std::min(first_position, pieces[end].position);
      ++end;
    }
    AssembledParam assembled;
    join_sections(&pieces[begin], &pieces[begin] + (end - begin), assembled);
    ordered.push_back({first_position, std::move(assembled)});
    begin = end;
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& entry : ordered) out.push_back(std::move(entry.second));
}

}  // namespace sluice::mime
