// Boundary delimiter recognition (RFC 2046 §5.1.1), one line at a time. Calls nothing.
// A delimiter line is "--" + boundary at the start of a line, optionally "--"
// (close delimiter), then only SP/HT (transport padding). Anything else after the
// boundary ("--bX", "--b\v") means the line is data, so `--b` mid-line or as a
// prefix of a longer boundary never splits a part. Such a line is still a
// delimiter to readers that trim isspace() or compare boundaries as prefixes
// (RFC 2046's own note to implementors suggests it), so the parser flags it and
// scans that reading too (BoundaryPrefixLine, alternate_reading.h).
#pragma once
#include <string_view>

namespace sluice::mime {

// The line begins with "--" + boundary: a delimiter, or a line some reader takes for one.
inline bool starts_with_dash_boundary(std::string_view line, std::string_view boundary) {
  return line.size() >= boundary.size() + 2 && line[0] == '-' && line[1] == '-' &&
         line.substr(2, boundary.size()) == boundary;
}

// For a line that starts_with_dash_boundary: is what follows the boundary a delimiter's ending?
// `is_close` is set when it starts with "--", the close delimiter's (or a prefix reader's close).
inline bool delimiter_rest_is_padding(std::string_view line, std::string_view boundary, bool& is_close) {
  std::string_view rest = line.substr(boundary.size() + 2);
  is_close = rest.substr(0, 2) == "--";
  if (is_close) rest.remove_prefix(2);
  return rest.find_first_not_of(" \t") == std::string_view::npos;
}

inline bool match_delimiter(std::string_view line, std::string_view boundary, bool& is_close) {
  return starts_with_dash_boundary(line, boundary) && delimiter_rest_is_padding(line, boundary, is_close);
}

}  // namespace sluice::mime
