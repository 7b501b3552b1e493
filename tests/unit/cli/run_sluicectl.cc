// tests/unit/cli/run_sluicectl.cc — fork/exec with three pipes and a poll loop.
#include "tests/unit/cli/run_sluicectl.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace sluice::control::cli::testing {

RunResult run_sluicectl(const std::vector<std::string>& args, const RunOptions& options) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return {};
  }
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "SLUICECTL_SOCKET=", 17) != 0) environment.emplace_back(*e);  // tests choose it
  }
  for (const std::string& e : options.environment) environment.push_back(e);

  const pid_t pid = ::fork();
  if (pid == 0) {
    if (options.stdin_text) {
      ::dup2(in_pipe[0], STDIN_FILENO);
    } else {
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, STDIN_FILENO);
    }
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(SLUICECTL_PATH)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(SLUICECTL_PATH, argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (options.stdin_text) {
    // Scripts in these tests are small: they fit the pipe, so writing before reading cannot deadlock.
    [[maybe_unused]] const ssize_t ignored = ::write(in_pipe[1], options.stdin_text->data(), options.stdin_text->size());
  }
  ::close(in_pipe[1]);

  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + kRunTimeout;
  bool interrupted = false;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      char chunk[4096];
      const ssize_t got = ::read(fds[i].fd, chunk, sizeof(chunk));
      if (got <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      (i == 0 ? result.out : result.err).append(chunk, static_cast<size_t>(got));
    }
    if (!interrupted && !options.interrupt_when_stdout_has.empty() &&
        result.out.find(options.interrupt_when_stdout_has) != std::string::npos) {
      ::kill(pid, SIGINT);
      interrupted = true;
    }
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace sluice::control::cli::testing
