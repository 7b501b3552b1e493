// control/cli/wire_protocol.cc — request quoting and checks, response line parsing and formatting.
#include "control/cli/wire_protocol.h"

namespace sluice::control::cli {

namespace {

// The configuration lexer (control/config/lexer.cc) splits on these and treats '"' and '#' specially.
bool needs_quotes(std::string_view word) {
  if (word.empty()) return true;
  for (char c : word) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '"' || c == '#' || c == '\\') {
      return true;
    }
  }
  return false;
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not well formed (overlong forms,
// surrogates and code points above U+10FFFF included).
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::string quote_word(std::string_view word) {
  if (!needs_quotes(word)) return std::string(word);
  std::string quoted = "\"";
  for (char c : word) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string join_words(std::span<const std::string> words) {
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty()) line += ' ';
    line += quote_word(word);
  }
  return line;
}

std::string request_problem(std::string_view line) {
  if (line.size() > kMaxRequestBytes - 1) {
    return "command is " + std::to_string(line.size()) + " bytes long; the limit is " +
           std::to_string(kMaxRequestBytes - 1);
  }
  for (size_t i = 0; i < line.size();) {
    if (line[i] == '\n' || line[i] == '\r') return "a command is one line: it must not contain a line break";
    if (line[i] == '\0') return "command contains a NUL byte";
    const size_t length = utf8_sequence(line, i);
    if (length == 0) return "command is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
    i += length;
  }
  return {};
}

ResponseLine parse_response_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line == "+") return {ResponseLine::Kind::Output, {}};
  if (line.starts_with("+ ")) return {ResponseLine::Kind::Output, line.substr(2)};
  if (line == "= ok") return {ResponseLine::Kind::Ok, {}};
  if (line.starts_with("= ok ")) {
    std::string_view context = line.substr(5);
    if (context.size() >= 2 && context.front() == '[' && context.back() == ']') {
      return {ResponseLine::Kind::Ok, context.substr(1, context.size() - 2)};
    }
    return {ResponseLine::Kind::Malformed, line};
  }
  if (line == "= error") return {ResponseLine::Kind::Error, {}};
  if (line.starts_with("= error ")) return {ResponseLine::Kind::Error, line.substr(8)};
  return {ResponseLine::Kind::Malformed, line};
}

void append_output(std::string& out, std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  while (true) {
    const size_t newline = text.find('\n');
    out.append("+ ").append(text.substr(0, newline)).append("\n");
    if (newline == std::string_view::npos) return;
    text.remove_prefix(newline + 1);
  }
}

void append_ok(std::string& out, std::string_view context) {
  out.append("= ok");
  if (!context.empty()) out.append(" [").append(context).append("]");
  out.append("\n");
}

void append_error(std::string& out, std::string_view message) {
  out.append("= error ");
  for (char c : message) out += (c == '\n' || c == '\r') ? ' ' : c;
  out.append("\n");
}

}  // namespace sluice::control::cli
