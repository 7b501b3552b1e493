// libFuzzer target: the control CLI's input path, one input line at a time as an operator (or a script through
// sluicectl) would type it: sluicectl's request check (wire_protocol request_problem), the daemon's word split
// (the configuration lexer, as control/plane/commands.cc does), then either the candidate configuration's
// statement (config/edit/set/unset/delete/next/end/abort on control/edit CandidateConfig) or the command
// table's lookup (command_lookup), TAB completion of both, help, and the response framing.
// Invariants checked beyond "no crash":
//  - a lookup gives a command or a non-empty reason, never both; a matched command's fixed words start the line;
//  - a refused statement says why and leaves the candidate text (and cursor) unchanged;
//  - completions are sorted and distinct;
//  - quoting round-trips: join_words(words) lexes back to the same words;
//  - response framing round-trips: append_output / append_error / append_ok parse back to their text;
//  - the candidate's text is a fixed point: a candidate built from it writes the same text; diff() is empty
//    exactly when the candidate is not dirty.
// May call: control/cli (command_lookup, completion, command_table, wire_protocol), control/edit
// (candidate_config), control/config (lexer, writer).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "control/cli/command_lookup.h"
#include "control/cli/command_table.h"
#include "control/cli/completion.h"
#include "control/cli/wire_protocol.h"
#include "control/config/lexer.h"
#include "control/config/writer.h"
#include "control/edit/candidate_config.h"
#include "control/policy.h"

namespace {

using namespace sluice::control;

void require(bool condition) {
  if (!condition) std::abort();
}

// The daemon's word split; false when the lexer reports an error (the daemon answers "= error" then).
bool split_words(std::string_view line, std::vector<std::string>& words) {
  config::ErrorList errors("command");
  const config::LexedText lexed = config::lex(line, errors);
  if (!errors.take().empty()) return false;
  for (const auto& statement : lexed.statements) {
    for (const config::Word& w : statement) words.push_back(w.text);
  }
  return true;
}

void require_sorted_distinct(const std::vector<std::string>& words) {
  require(std::adjacent_find(words.begin(), words.end(), std::greater_equal<>()) == words.end());
}

void check_framing(std::string_view line) {
  std::string out;
  cli::append_output(out, line);
  cli::append_error(out, line);
  cli::append_ok(out, line);
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < out.size();) {
    const size_t end = out.find('\n', start);
    require(end != std::string::npos);   // every framed line ends with "\n"
    lines.push_back(std::string_view(out).substr(start, end - start));
    start = end + 1;
  }
  require(lines.size() == 3);
  const cli::ResponseLine output = cli::parse_response_line(lines[0]);
  const cli::ResponseLine error = cli::parse_response_line(lines[1]);
  const cli::ResponseLine ok = cli::parse_response_line(lines[2]);
  require(output.kind == cli::ResponseLine::Kind::Output && output.text == line);
  require(error.kind == cli::ResponseLine::Kind::Error && error.text == line);
  require(ok.kind == cli::ResponseLine::Kind::Ok && ok.text == line);
}

void run_line(edit::CandidateConfig& candidate, std::string_view line) {
  if (!cli::request_problem(line).empty()) return;   // sluicectl does not send it
  check_framing(line);
  std::vector<std::string> words;
  if (!split_words(line, words)) return;
  std::vector<std::string> again;
  require(split_words(cli::join_words(words), again) && again == words);
  if (words.empty()) return;
  const std::vector<std::string_view> views(words.begin(), words.end());
  const std::span<const std::string_view> before(views.data(), views.size() - 1);
  require_sorted_distinct(cli::completions(before, views.back()));
  require_sorted_distinct(candidate.completions(line));

  if (edit::CandidateConfig::is_statement(words[0])) {
    const std::string text_before = candidate.text(), context_before = candidate.context();
    std::string error;
    if (!candidate.apply(line, &error)) {
      require(!error.empty());
      require(candidate.text() == text_before && candidate.context() == context_before);
    }
    return;
  }
  const cli::CommandMatch match = cli::lookup_command(views);
  require((match.spec != nullptr) == match.error.empty());
  if (match.spec != nullptr) {
    std::vector<std::string> fixed;
    require(split_words(cli::fixed_words(match.spec->syntax), fixed));
    require(fixed.size() <= words.size() && std::equal(fixed.begin(), fixed.end(), words.begin()));
  }
  if (words[0] == "help") {
    bool found = false;
    require(!cli::help_text_for(std::span<const std::string_view>(views).subspan(1), &found).empty() || !found);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string running = config::write_config(Policy{});
  edit::CandidateConfig candidate(running, "/nonexistent");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t lines = 0;
  for (size_t start = 0; start <= input.size() && lines < 64; ++lines) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    run_line(candidate, input.substr(start, end - start));
    start = end + 1;
  }
  const std::string text = candidate.text();
  require(candidate.diff().empty() == !candidate.dirty());
  edit::CandidateConfig reread(text, "/nonexistent");
  require(reread.text() == text);
  return 0;
}
