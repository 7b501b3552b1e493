// Boundary delimiter recognition (RFC 2046 §5.1.1), one line at a time. Calls nothing.
// A delimiter line is "--" + boundary at the start of a line, optionally "--"
// (close delimiter), then only SP/HT (transport padding). Anything else after the
// boundary ("--bX", "--b\v") means the line is data, so `--b` mid-line or as a
// prefix of a longer boundary never splits a part.
#pragma once
#include <string_view>

namespace sluice::mime {

inline bool match_delimiter(std::string_view line, std::string_view boundary, bool& is_close) {
  if (line.size() < boundary.size() + 2 || line[0] != '-' || line[1] != '-' ||
      line.substr(2, boundary.size()) != boundary)
    return false;
  std::string_view rest = line.substr(boundary.size() + 2);
  is_close = rest.substr(0, 2) == "--";
  if (is_close) rest.remove_prefix(2);
  return rest.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace sluice::mime
