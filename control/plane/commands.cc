// control/plane/commands.cc — see commands.h: dispatch and streams.
#include "control/plane/commands.h"

#include <fcntl.h>
#include <unistd.h>

#include "control/cli/command_lookup.h"
#include "control/config/diagnostics.h"
#include "control/config/lexer.h"
#include "control/config/writer.h"

namespace sluice::control::plane {

namespace {

// The configuration language's own word splitting (quotes, escapes), so `set comment "a b"` is two words.
bool split_words(std::string_view line, Words* words, std::string* error) {
  config::ErrorList errors("command");
  const config::LexedText lexed = config::lex(line, errors);
  std::vector<ConfigError> found = errors.take();
  if (!found.empty()) {
    *error = found.front().message;
    return false;
  }
  for (const auto& statement : lexed.statements) {
    for (const config::Word& w : statement) words->push_back(w.text);
  }
  return true;
}

// Streams never outlive their budget: a trace stops after its line count, a log follow after this many lines.
constexpr uint64_t kMaxFollowLines = 1'000'000;

void drain_trace(PlaneState& state, CliConnection& conn) {
  std::string line;
  for (uint32_t i = 0; i < state.links.workers->count(); ++i) {
    while (state.links.workers->control(i).trace.pop(&line)) {
      conn.line(line);
      ++conn.streamed_lines;
      ++state.trace_lines_sent;
    }
  }
}

void stream_trace(PlaneState& state, CliConnection& conn) {
  dataplane::WorkerSet& workers = *state.links.workers;
  drain_trace(state, conn);
  // Done when the lines asked for have come (from whichever workers hold the flows), or every budget is spent.
  if (conn.streamed_lines < state.trace_requested && workers.trace_lines_left() != 0) return;
  workers.stop_trace();
  drain_trace(state, conn);   // what the workers pushed before they took the last line of the budget
  conn.line("trace done: " + std::to_string(conn.streamed_lines) + " line(s), " +
            std::to_string(workers.trace_dropped()) + " dropped since start-up (ring full)");
  conn.streaming = Streaming::None;
  conn.ok();
}

void stream_log(PlaneState& state, CliConnection& conn) {
  const int fd = ::open(state.links.log_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < conn.log_offset) conn.log_offset = 0;   // rotated: start the new file from its beginning
  std::string chunk;
  if (end > conn.log_offset) {
    chunk.resize(static_cast<size_t>(std::min<off_t>(end - conn.log_offset, 1 << 20)));
    const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), conn.log_offset);
    chunk.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(fd);
  // Whole lines only; a line still being written waits for the next pass.
  const size_t last = chunk.rfind('\n');
  if (last == std::string::npos) return;
  conn.lines(std::string_view(chunk).substr(0, last + 1));
  conn.log_offset += static_cast<off_t>(last + 1);
  conn.streamed_lines += 1;
  if (conn.streamed_lines >= kMaxFollowLines) stop_stream(state, conn);
}

}  // namespace

std::string running_text(const PlaneState& state) { return config::write_config(state.running().policy); }

void run_command(PlaneState& state, CliConnection& conn, std::string_view line) {
  Words words;
  std::string error;
  if (!split_words(line, &words, &error)) {
    conn.error(error);
    return;
  }
  if (words.empty()) {
    conn.ok(conn.candidate ? conn.candidate->context() : "");
    return;
  }
  // Configuration statements carry keys and values the command table cannot know: the candidate checks them.
  if (edit::CandidateConfig::is_statement(words[0])) {
    run_config_command(state, conn, words, line);
    return;
  }
  std::vector<std::string_view> views(words.begin(), words.end());
  const cli::CommandMatch match = cli::lookup_command(views);
  if (match.spec == nullptr) {
    conn.error(match.error);
    return;
  }
  const std::string fixed = cli::fixed_words(match.spec->syntax);
  const std::string& first = words[0];
  if (first == "help") {
    bool found = true;
    conn.lines(cli::help_text_for(std::span<const std::string_view>(views).subspan(1), &found));
    found ? conn.ok() : conn.error("no such command");
  } else if (first == "exit" || first == "quit") {
    conn.ok();
    conn.closing = true;
  } else if (first == "diagnose") {
    run_diagnose_command(state, conn, words);
  } else if (first == "execute") {
    run_execute_command(state, conn, words);
  } else if (fixed == "show full-configuration" || fixed == "show diff" || fixed == "show running-configuration" ||
             fixed == "show history" || first == "commit" || first == "discard" || first == "rollback") {
    run_config_command(state, conn, words, line);
  } else {
    run_show_command(state, conn, words);
  }
}

void stream_more(PlaneState& state, CliConnection& conn) {
  if (conn.streaming == Streaming::Trace) stream_trace(state, conn);
  if (conn.streaming == Streaming::LogFollow) stream_log(state, conn);
}

void stop_stream(PlaneState& state, CliConnection& conn) {
  if (conn.streaming == Streaming::Trace) {
    state.links.workers->stop_trace();
    drain_trace(state, conn);
    conn.line("trace stopped: " + std::to_string(conn.streamed_lines) + " line(s)");
  }
  if (conn.streaming != Streaming::None) {
    conn.streaming = Streaming::None;
    conn.ok();
  }
}

}  // namespace sluice::control::plane
