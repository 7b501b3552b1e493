// control/plane/commands_config.cc — configuration mode: the connection's candidate, commit, history,
// rollback.
#include <ctime>

#include "control/config/writer.h"
#include "control/plane/commands.h"

namespace sluice::control::plane {

namespace {

edit::CandidateConfig& candidate_of(PlaneState& state, CliConnection& conn) {
  if (!conn.candidate) {
    conn.candidate = std::make_unique<edit::CandidateConfig>(running_text(state), state.links.base_dir);
    conn.candidate_base = state.running().version;
  }
  return *conn.candidate;
}

void reset_candidate(PlaneState& state, CliConnection& conn) {
  if (!conn.candidate) return;
  conn.candidate->reset(running_text(state));
  conn.candidate_base = state.running().version;
}

std::string join(const Words& words, size_t from) {
  std::string out;
  for (size_t i = from; i < words.size(); ++i) out += (i > from ? " " : "") + words[i];
  return out;
}

std::string format_time(int64_t unix_time) {
  char text[32];
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &tm);
  return text;
}

// Inside a block, `show full-configuration` shows that block only ("config <path>" to its "end").
std::string block_of(const std::string& text, const std::string& context) {
  if (context.empty()) return text;
  const std::string header = "config " + context.substr(0, context.find('/')) + "\n";
  size_t at = text.rfind(header, 0) == 0 ? 0 : text.find("\n" + header);
  if (at == std::string::npos) return text;
  if (at != 0) ++at;
  const size_t end = text.find("\nend\n", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end + 5 - at);
}

void show_history(PlaneState& state, CliConnection& conn) {
  if (!state.history) {
    conn.error("no configuration history: the history directory could not be opened at start-up");
    return;
  }
  const uint64_t running = state.running().version;
  conn.line("version  committed             user      bytes  comment");
  for (const edit::CommitInfo& c : state.history->list()) {
    char line[160];
    std::snprintf(line, sizeof line, "%7llu%s %-21s %-9s %6zu  ", static_cast<unsigned long long>(c.version),
                  c.version == running ? "*" : " ", format_time(c.unix_time).c_str(), c.user.c_str(), c.bytes);
    conn.line(line + c.comment);
  }
  conn.line("(* = running)");
  conn.ok();
}

void rollback(PlaneState& state, CliConnection& conn, const Words& words) {
  if (!state.history) {
    conn.error("no configuration history to roll back to");
    return;
  }
  char* end = nullptr;
  const unsigned long long version = std::strtoull(words[1].c_str(), &end, 10);
  if (end == words[1].c_str() || *end != '\0' || version == 0) {
    conn.error("rollback: '" + words[1] + "' is not a version number (see show history)");
    return;
  }
  std::string text, error;
  if (!state.history->load(version, &text, &error)) {
    conn.error("rollback: " + error);
    return;
  }
  // A rollback is a commit of the old text: validated and compiled again (files may have changed since), and
  // recorded as a new version, so the history only ever grows forwards.
  edit::CandidateConfig old(text, state.links.base_dir);
  const edit::Validation v = old.validate();
  if (!v.ok) {
    for (const std::string& e : v.errors) conn.line(e);
    conn.error("rollback: version " + words[1] + " no longer validates; nothing changed");
    return;
  }
  if (commit_and_report(state, &conn, v.policy, text, conn.user, "rollback to version " + words[1])) {
    reset_candidate(state, conn);
  }
}

}  // namespace

bool commit_and_report(PlaneState& state, CliConnection* conn, const Policy& policy, const std::string& text,
                       const std::string& user, const std::string& comment) {
  const Policy before = state.running().policy;
  const CommitOutcome out = state.pipeline->commit(policy, text, user, comment);
  if (out.ok && state.on_commit) state.on_commit(before, policy);
  if (conn == nullptr) return out.ok;
  for (const std::string& w : out.warnings) conn->line("warning: " + w);
  if (!out.ok) {
    for (const std::string& e : out.errors) conn->lines(e);
    conn->error("commit failed; the running configuration is unchanged (version " +
                std::to_string(state.running().version) + ")");
    return false;
  }
  conn->line("committed version " + std::to_string(out.version) + ": " + out.summary);
  if (!out.restart_blocks.empty()) {
    std::string blocks;
    for (const std::string& b : out.restart_blocks) blocks += (blocks.empty() ? "" : ", ") + b;
    conn->line("new sessions use it now; changes to " + blocks +
               " take effect at 'execute restart workers' (sessions are drained first)");
  } else {
    conn->line("new sessions use it now; sessions in progress finish on the version they started with");
  }
  conn->ok(conn->candidate ? conn->candidate->context() : "");
  return true;
}

void run_config_command(PlaneState& state, CliConnection& conn, const Words& words, std::string_view line) {
  const std::string& first = words[0];
  if (edit::CandidateConfig::is_statement(first)) {
    edit::CandidateConfig& c = candidate_of(state, conn);
    std::string error;
    if (!c.apply(line, &error)) {
      conn.lines(error.substr(error.find('\n') == std::string::npos ? error.size() : error.find('\n') + 1));
      conn.error(error);
      return;
    }
    conn.ok(c.context());
    return;
  }
  if (first == "show" && words[1] == "history") return show_history(state, conn);
  if (first == "show" && words[1] == "running-configuration") {
    conn.lines(running_text(state));
    return conn.ok();
  }
  if (first == "show" && words[1] == "full-configuration") {
    conn.lines(block_of(candidate_of(state, conn).text(), conn.candidate->context()));
    return conn.ok(conn.candidate->context());
  }
  if (first == "show" && words[1] == "diff") {
    const std::string diff = candidate_of(state, conn).diff();
    conn.lines(diff.empty() ? "no changes against the running configuration (version " +
                                  std::to_string(state.running().version) + ")"
                            : diff);
    return conn.ok(conn.candidate->context());
  }
  if (first == "discard") {
    candidate_of(state, conn);
    reset_candidate(state, conn);
    conn.line("candidate reset to the running configuration (version " + std::to_string(state.running().version) + ")");
    return conn.ok();
  }
  if (first == "rollback") return rollback(state, conn, words);
  if (first == "commit") {
    edit::CandidateConfig& c = candidate_of(state, conn);
    if (!c.context().empty()) {
      conn.error("commit: leave '" + c.context() + "' first ('next' / 'end'), or 'abort' it");
      return;
    }
    if (conn.candidate_base != state.running().version) {
      conn.error("commit: the running configuration changed to version " + std::to_string(state.running().version) +
                 " since this candidate was made from version " + std::to_string(conn.candidate_base) +
                 "; 'discard' and edit again");
      return;
    }
    const edit::Validation v = c.validate();
    if (!v.ok) {
      for (const std::string& e : v.errors) conn.line(e);
      conn.error("commit failed: " + std::to_string(v.errors.size()) +
                 " error(s); the running configuration is unchanged (version " +
                 std::to_string(state.running().version) + ")");
      return;
    }
    // An unchanged candidate still commits: the files it names (signatures, URL lists) are read again.
    if (commit_and_report(state, &conn, v.policy, c.text(), conn.user, join(words, 1))) reset_candidate(state, conn);
    return;
  }
  conn.error("not a configuration command: " + first);
}

}  // namespace sluice::control::plane
