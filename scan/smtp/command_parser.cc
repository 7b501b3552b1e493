// scan/smtp/command_parser.cc — see command_parser.h.
#include "scan/smtp/command_parser.h"

#include <array>
#include <utility>

namespace sluice::smtp {
namespace {

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }
bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

constexpr std::array<std::pair<std::string_view, Verb>, 14> kVerbs{{
    {"HELO", Verb::Helo}, {"EHLO", Verb::Ehlo}, {"MAIL", Verb::Mail},
    {"RCPT", Verb::Rcpt}, {"DATA", Verb::Data}, {"BDAT", Verb::Bdat},
    {"RSET", Verb::Rset}, {"QUIT", Verb::Quit}, {"STARTTLS", Verb::Starttls},
    {"NOOP", Verb::Noop}, {"VRFY", Verb::Vrfy}, {"EXPN", Verb::Expn},
    {"HELP", Verb::Help}, {"AUTH", Verb::Auth},
}};

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

Command CommandParser::parse(std::string_view line) {
  Command out;
  size_t verb_end = 0;
  while (verb_end < line.size() && !is_space(line[verb_end])) ++verb_end;
  const std::string_view verb_text = line.substr(0, verb_end);
  const std::string_view rest = trim(line.substr(verb_end));
  Verb verb = Verb::Unknown;
  for (const auto& [name, value] : kVerbs) {
    if (equals_ignore_case(verb_text, name)) verb = value;
  }
  switch (verb) {
    case Verb::Mail:
      if (!parse_path_command(rest, "FROM:", out)) return Command{};
      break;
    case Verb::Rcpt:
      if (!parse_path_command(rest, "TO:", out)) return Command{};
      break;
    case Verb::Bdat:
      if (!parse_bdat(rest, out)) return Command{};
      break;
    case Verb::Helo:
    case Verb::Ehlo:
      if (rest.empty()) return Command{};
      out.argument = rest;
      break;
    case Verb::Data:
    case Verb::Rset:
    case Verb::Quit:
    case Verb::Starttls:
      // RFC 5321 and RFC 3207 give these no argument; one would make the
      // backend answer 501, so treat it as malformed.
      if (!rest.empty()) return Command{};
      break;
    default:
      out.argument = rest;
      break;
  }
  out.verb = verb;
  return out;
}

bool CommandParser::parse_path_command(std::string_view rest, std::string_view keyword,
                                       Command& out) {
  if (rest.size() < keyword.size() || !equals_ignore_case(rest.substr(0, keyword.size()), keyword))
    return false;
  rest = trim(rest.substr(keyword.size()));  // tolerate "Rcpt To: <b>"
  std::string_view path;
  size_t path_end = 0;
  if (!rest.empty() && rest.front() == '<') {
    const size_t close = rest.find('>');
    if (close == std::string_view::npos) return false;
    path = rest.substr(1, close - 1);
    path_end = close + 1;
  } else {
    while (path_end < rest.size() && !is_space(rest[path_end])) ++path_end;
    path = rest.substr(0, path_end);
    if (path.empty()) return false;
  }
  params_.clear();
  std::string_view tail = rest.substr(path_end);
  while (true) {
    tail = trim(tail);
    if (tail.empty()) break;
    size_t word_end = 0;
    while (word_end < tail.size() && !is_space(tail[word_end])) ++word_end;
    params_.push_back(tail.substr(0, word_end));
    tail.remove_prefix(word_end);
  }
  out.argument = path;
  out.params = params_;
  return true;
}

bool CommandParser::parse_bdat(std::string_view rest, Command& out) {
  // RFC 3030: "BDAT" SP chunk-size [ SP end-marker ], chunk-size 1*DIGIT.
  // Anything else cannot be resynchronised (RES-10), so it is malformed.
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
    if (digits == 19) return false;  // 20 digits may overflow 64 bits
    size = size * 10 + static_cast<uint64_t>(rest[digits] - '0');
    ++digits;
  }
  if (digits == 0) return false;
  const std::string_view marker = trim(rest.substr(digits));
  if (!marker.empty() && (digits == rest.size() || !equals_ignore_case(marker, "LAST")))
    return false;
  if (!marker.empty() && !is_space(rest[digits])) return false;
  out.bdat_size = size;
  out.bdat_last = !marker.empty();
  return true;
}

}  // namespace sluice::smtp
