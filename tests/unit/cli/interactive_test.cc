// tests/unit/cli/interactive_test.cc — the interactive shell on a real pseudo-terminal.
//
// sluicectl runs under forkpty (so libedit sees a terminal) with HOME in a temporary directory; the test
// types like an operator and reads the screen up to each prompt. Pins: the prompt follows the daemon's edit
// context, TAB completes from the command table, help is local, Ctrl-C stops a stream, and the history file
// is private and keeps passwords out.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "control/cli/wire_protocol.h"
#include "tests/unit/cli/fake_daemon.h"

namespace sluice::control::cli {
namespace {

using testing::FakeConnection;
using testing::FakeDaemon;

class Terminal {
 public:
  Terminal(const std::string& socket, const std::string& home) {
    pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      ::setenv("HOME", home.c_str(), 1);
      ::setenv("TERM", "dumb", 1);
      ::execl(SLUICECTL_PATH, SLUICECTL_PATH, "-s", socket.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }

  void type(const std::string& keys) { ASSERT_EQ(::write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size())); }

  // Reads until `text` appears on the screen (returns everything read up to and including it) or 10 s pass.
  std::string until(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      const size_t at = screen_.find(text);
      if (at != std::string::npos) {
        std::string seen = screen_.substr(0, at + text.size());
        screen_.erase(0, at + text.size());
        return seen;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd fd{master_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
        ADD_FAILURE() << "never saw '" << text << "'; screen: " << screen_;
        return {};
      }
      char chunk[4096];
      const ssize_t got = ::read(master_, chunk, sizeof(chunk));
      if (got <= 0) {
        ADD_FAILURE() << "terminal closed before '" << text << "'; screen: " << screen_;
        return {};
      }
      screen_.append(chunk, static_cast<size_t>(got));
    }
  }

  int wait_exit() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool exited_ = false;
  std::string screen_;
};

TEST(Interactive, PromptCompletionHelpCtrlCAndHistory) {
  std::string context;
  bool stopped = false;
  FakeDaemon daemon([&](FakeConnection& c, const std::string& line) {
    std::string out;
    if (line == "config firewall vip") {
      context = "firewall vip";
    } else if (line == "end") {
      context.clear();
    } else if (line == "show log follow") {
      for (int i = 1; i < 1000; ++i) {
        c.send("+ record " + std::to_string(i) + "\n");
        const auto next = c.read_line(std::chrono::milliseconds(5));
        if (next && *next == kStopLine) {
          stopped = true;
          break;
        }
      }
    } else {
      append_output(out, "ran: " + line);
    }
    append_ok(out, context);
    c.send(out);
  });
  char home[] = "/tmp/sluicectl-home-XXXXXX";
  ASSERT_NE(::mkdtemp(home), nullptr);
  const std::string history = std::string(home) + "/.sluicectl_history";
  {
    Terminal t(daemon.socket_path(), home);
    t.until("sluice # ");
    t.type("config firewall vip\r");
    t.until("sluice (firewall vip) # ");
    t.type("show ses\t\r");  // TAB completes "session"
    t.until("ran: show session");  // the completed line reached the daemon
    t.until("sluice (firewall vip) # ");
    t.type("set password hunter2\r");
    t.until("sluice (firewall vip) # ");
    t.type("end\r");
    t.until("sluice # ");
    t.type("help execute pause\r");
    t.until("Stop accepting new sessions");
    t.until("sluice # ");
    t.type("show log follow\r");
    t.until("record 3");
    t.type("\x03");  // Ctrl-C
    t.until("sluice # ");
    t.type("exit\r");
    EXPECT_EQ(t.wait_exit(), 0);
  }
  EXPECT_TRUE(stopped);
  // help and exit stay local: the daemon saw only these, on one connection.
  EXPECT_EQ(daemon.connections(),
            (std::vector<std::vector<std::string>>{{"config firewall vip", "show session ", "set password hunter2",
                                                    "end", "show log follow"}}));
  std::ifstream file(history);
  std::stringstream saved;
  saved << file.rdbuf();
  EXPECT_NE(saved.str().find("config"), std::string::npos);
  EXPECT_EQ(saved.str().find("hunter2"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(history.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::unlink(history.c_str());
  ::rmdir(home);
}

}  // namespace
}  // namespace sluice::control::cli
