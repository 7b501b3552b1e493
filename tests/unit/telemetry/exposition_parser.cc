#include "tests/unit/telemetry/exposition_parser.h"

#include <cstdlib>
#include <set>

namespace sluice::control::telemetry::test {
namespace {

bool name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool name_char(char c, bool colon) { return name_start(c, colon) || (c >= '0' && c <= '9'); }

// Reads [a-zA-Z_:][a-zA-Z0-9_:]* (colon = true) or a label name (colon = false) at line[pos].
std::string take_name(std::string_view line, size_t& pos, bool colon) {
  const size_t start = pos;
  if (pos < line.size() && name_start(line[pos], colon)) {
    ++pos;
    while (pos < line.size() && name_char(line[pos], colon)) ++pos;
  }
  return std::string(line.substr(start, pos - start));
}

bool parse_value(std::string_view text, double* value) {
  if (text == "+Inf" || text == "-Inf" || text == "NaN") return true;
  if (text.empty()) return false;
  const std::string copy(text);
  char* end = nullptr;
  *value = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

}  // namespace

std::string parse_exposition(std::string_view text, ParsedExposition* out) {
  if (!text.empty() && text.back() != '\n') return "text does not end with a newline";
  std::set<std::string> finished;   // families whose samples are over
  std::string current;              // family whose samples may follow
  std::set<std::string> sampled;    // families that have samples: no HELP/TYPE may follow them
  size_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    const std::string where = "line " + std::to_string(line_no) + " '" + std::string(line) + "': ";
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      size_t pos = 7;
      const std::string name = take_name(line, pos, true);
      if (name.empty() || pos >= line.size() || line[pos] != ' ') return where + "bad metric name";
      const std::string_view rest = line.substr(pos + 1);
      if (finished.contains(name)) return where + "family '" + name + "' is not contiguous";
      if (sampled.contains(name)) return where + "HELP/TYPE after the samples of '" + name + "'";
      if (name != current) {
        if (!current.empty()) finished.insert(current);
        current = name;
      }
      if (help) {
        if (out->help.contains(name)) return where + "second HELP for '" + name + "'";
        std::string decoded;
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] != '\\') {
            decoded += rest[i];
            continue;
          }
          if (i + 1 >= rest.size() || (rest[i + 1] != '\\' && rest[i + 1] != 'n')) return where + "bad escape in HELP";
          decoded += rest[++i] == 'n' ? '\n' : '\\';
        }
        out->help[name] = decoded;
      } else {
        if (out->type.contains(name)) return where + "second TYPE for '" + name + "'";
        if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" && rest != "untyped") {
          return where + "unknown type";
        }
        out->type[name] = std::string(rest);
      }
      continue;
    }
    if (line.starts_with('#')) continue;   // other comments are allowed

    ParsedSample sample;
    size_t pos = 0;
    sample.name = take_name(line, pos, true);
    if (sample.name.empty()) return where + "bad metric name";
    if (finished.contains(sample.name)) return where + "family '" + sample.name + "' is not contiguous";
    if (sample.name != current) {
      if (!current.empty()) finished.insert(current);
      current = sample.name;
    }
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        const std::string label = take_name(line, pos, false);
        if (label.empty()) return where + "bad label name";
        if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') return where + "expected =\"";
        pos += 2;
        std::string value;
        for (;;) {
          if (pos >= line.size()) return where + "unterminated label value";
          const char c = line[pos++];
          if (c == '"') break;
          if (c != '\\') {
            value += c;
            continue;
          }
          if (pos >= line.size()) return where + "bad escape";
          const char e = line[pos++];
          if (e == '\\') value += '\\';
          else if (e == '"') value += '"';
          else if (e == 'n') value += '\n';
          else return where + "bad escape \\" + std::string(1, e);
        }
        if (!sample.labels.emplace(label, value).second) return where + "label '" + label + "' repeated";
        if (pos < line.size() && line[pos] == ',') ++pos;
        else if (pos < line.size() && line[pos] != '}') return where + "expected , or }";
      }
      if (pos >= line.size()) return where + "unterminated label set";
      ++pos;
    }
    if (pos >= line.size() || line[pos] != ' ') return where + "expected a space before the value";
    ++pos;
    std::string_view value_text = line.substr(pos);
    const size_t space = value_text.find(' ');
    if (space != std::string_view::npos) {
      double timestamp = 0;
      if (!parse_value(value_text.substr(space + 1), &timestamp)) return where + "bad timestamp";
      value_text = value_text.substr(0, space);
    }
    if (!parse_value(value_text, &sample.value)) return where + "bad value";
    sampled.insert(sample.name);
    out->samples.push_back(std::move(sample));
  }
  return "";
}

}  // namespace sluice::control::telemetry::test
