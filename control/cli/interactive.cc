// control/cli/interactive.cc — the interactive shell: libedit prompt, history, TAB completion.
//
// libedit's readline-compatible interface keeps this short. Its own SIGINT handling is active only while it
// reads a line; a Ctrl-C during a command reaches sluicectl's handler (control/cli/interrupt.h), which stops
// a streaming command, and one pressed at the prompt is drained before the next command runs.
#include <editline/readline.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "control/cli/completion.h"
#include "control/cli/modes.h"
#include "control/cli/session.h"

namespace sluice::control::cli {

namespace {

constexpr int kHistoryEntries = 1000;           // lines kept in ~/.sluicectl_history
constexpr const char* kHistoryFile = ".sluicectl_history";

std::vector<std::string> g_candidates;  // the current TAB's candidates, handed out by next_candidate

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

char* next_candidate(const char*, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  return next < g_candidates.size() ? strdup(g_candidates[next++].c_str()) : nullptr;
}

char** complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  std::vector<std::string_view> before = words_of(std::string_view(rl_line_buffer, static_cast<size_t>(start)));
  // "help show l<TAB>" completes like "show l<TAB>".
  if (!before.empty() && before[0] == "help") before.erase(before.begin());
  g_candidates = completions(before, text);
  return rl_completion_matches(text, next_candidate);
}

// Passwords typed on a `set` line stay out of the history file.
bool secret(std::string_view line) {
  const std::vector<std::string_view> words = words_of(line);
  if (words.size() < 2 || words[0] != "set") return false;
  for (std::string_view marker : {"password", "passphrase", "secret"}) {
    if (words[1].find(marker) != std::string_view::npos) return true;
  }
  return false;
}

std::string history_path() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    const passwd* user = getpwuid(getuid());
    home = user != nullptr ? user->pw_dir : nullptr;
  }
  return home != nullptr ? std::string(home) + "/" + kHistoryFile : std::string();
}

void save_history(const std::string& path) {
  if (path.empty()) return;
  // Created private: the commands name servers, users and policies.
  const mode_t old_mask = umask(077);
  write_history(path.c_str());
  umask(old_mask);
}

std::string prompt_for(const std::string& context) {
  return context.empty() ? "sluice # " : "sluice (" + context + ") # ";
}

}  // namespace

int run_interactive(const Options& options, int stop_fd) {
  Session session(options.socket, stdout, stderr, stop_fd);
  std::string error;
  if (!session.connect(&error)) {
    std::fprintf(stderr, "sluicectl: %s\n", error.c_str());
    return kExitUsage;
  }

  rl_readline_name = "sluicectl";
  rl_attempted_completion_function = complete;
  const std::string history = history_path();
  using_history();
  stifle_history(kHistoryEntries);
  if (!history.empty()) read_history(history.c_str());

  int status = kExitOk;
  while (true) {
    char* raw = readline(prompt_for(session.context()).c_str());
    if (raw == nullptr) {  // Ctrl-D
      std::fputc('\n', stdout);
      break;
    }
    const std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!secret(line)) {
      add_history(line.c_str());
      save_history(history);
    }
    // Ctrl-C pressed at the prompt must not stop the next command.
    char drained[64];
    while (::read(stop_fd, drained, sizeof(drained)) > 0) {
    }
    const LineResult result = session.run_line(line, "error: ");
    if (result == LineResult::Exit) break;
    if (result == LineResult::Lost) {
      std::fputs("(the next command opens a new session: a candidate configuration in progress is gone)\n", stderr);
    }
    status = result == LineResult::Ok ? kExitOk : kExitFailed;
  }
  save_history(history);
  return status;
}

}  // namespace sluice::control::cli
