// control/cli/session.cc — local help/exit/quit, everything else through the WireClient.
#include "control/cli/session.h"

#include <vector>

#include "control/cli/command_table.h"
#include "control/cli/syntax_words.h"
#include "control/cli/wire_protocol.h"

namespace sluice::control::cli {


bool Session::connect(std::string* error) { return client_.connect(socket_path_, error); }

LineResult Session::run_line(std::string_view line, std::string_view error_prefix) {
  const auto report = [&](const std::string& message) {
    std::fprintf(err_, "%.*s%s\n", static_cast<int>(error_prefix.size()), error_prefix.data(), message.c_str());
    std::fflush(err_);
  };

  const std::vector<std::string_view> words = split_blanks(line);
  if (!words.empty() && (words[0] == "exit" || words[0] == "quit")) return LineResult::Exit;
  if (!words.empty() && words[0] == "help") {
    bool found = true;
    const std::string text = help_text_for(std::span(words).subspan(1), &found);
    if (!found) {
      report(text.substr(0, text.size() - 1));  // without its "\n"
      return LineResult::Failed;
    }
    std::fputs(text.c_str(), out_);
    std::fflush(out_);
    return LineResult::Ok;
  }

  if (const std::string problem = request_problem(line); !problem.empty()) {
    report(problem);
    return LineResult::Invalid;
  }
  if (!client_.connected()) {
    std::string error;
    if (!client_.connect(socket_path_, &error)) {
      report(error);
      return LineResult::Lost;
    }
  }
  const WireClient::Outcome outcome = client_.run(
      line,
      [this](std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), out_);
        std::fputc('\n', out_);
        std::fflush(out_);  // streaming output shows as it arrives, also through a pipe
      },
      stop_fd_);
  switch (outcome.status) {
    case WireClient::Outcome::Status::Ok:
      context_ = outcome.context;
      return LineResult::Ok;
    case WireClient::Outcome::Status::Error:
      report(outcome.message);
      return LineResult::Failed;
    case WireClient::Outcome::Status::Lost:
    case WireClient::Outcome::Status::Abandoned:
      report(outcome.message);
      context_.clear();  // a new connection is a new session on the daemon: top level, fresh candidate
      return LineResult::Lost;
  }
  return LineResult::Lost;
}

}  // namespace sluice::control::cli
