// tests/unit/cli/client_test.cc — sluicectl's framing, exit statuses and modes against a fake daemon.
//
// The built binary runs as a child process (run_sluicectl.h) against FakeDaemon: real Unix sockets, real
// signals. The responder below answers like the daemon would for a handful of commands; anything else gets
// the command table's own verdict (command_lookup.h), as the daemon's check does.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "control/cli/command_lookup.h"
#include "control/cli/command_table.h"
#include "control/cli/syntax_words.h"
#include "control/cli/wire_client.h"
#include "control/cli/wire_protocol.h"
#include "tests/unit/cli/fake_daemon.h"
#include "tests/unit/cli/run_sluicectl.h"

namespace sluice::control::cli {
namespace {

using testing::FakeConnection;
using testing::FakeDaemon;
using testing::RunOptions;
using testing::RunResult;
using testing::run_sluicectl;

constexpr int kStreamLimit = 2000;  // a stream that never sees "stop" ends with an error, not a hung test


// A daemon stand-in: a few canned answers, an edit context, a stream that ends on "stop".
class Responder {
 public:
  std::atomic<bool> got_stop{false};
  bool ignore_stop = false;  // a daemon that does not honour "stop": the client must give up on Ctrl-C twice

  void operator()(FakeConnection& connection, const std::string& line) {
    std::string out;
    if (line == "show vip") {
      append_output(out, "mail-in     198.51.100.10  25 465 587\n\nmail-in-v6  2001:db8::25   25");
      append_ok(out, context_);
    } else if (line == "rollback 99") {
      append_error(out, "no version 99 in the history (versions 1 to 12)");
    } else if (line == "config firewall vip") {
      context_ = "firewall vip";
      append_ok(out, context_);
    } else if (line.starts_with("edit ")) {
      context_ += "/" + line.substr(5);
      append_ok(out, context_);
    } else if (line == "end") {
      context_.clear();
      append_ok(out);
    } else if (line.starts_with("commit")) {
      append_output(out, "committed version 13");
      append_ok(out);
    } else if (line == "show log follow") {
      stream(connection);
      return;
    } else if (line == "execute restart workers") {  // pretend the daemon died mid-command
      connection.send("+ draining\n");
      connection.hang_up();
      return;
    } else if (line == "show tls") {  // pretend the daemon is broken
      connection.send("+ fine\nthis is not the protocol\n");
      return;
    } else {
      const std::vector<std::string_view> words = split_blanks(line);
      const CommandMatch match = lookup_command(words);
      if (match.spec == nullptr) {
        append_error(out, match.error);
      } else {
        append_ok(out, context_);
      }
    }
    connection.send(out);
  }

 private:
  void stream(FakeConnection& connection) {
    for (int i = 1; i <= kStreamLimit; ++i) {
      connection.send("+ record " + std::to_string(i) + "\n");
      const std::optional<std::string> next = connection.read_line(std::chrono::milliseconds(5));
      if (next && *next == kStopLine) {
        got_stop = true;
        if (!ignore_stop) {
          connection.send("= ok\n");
          return;
        }
      }
      if (got_stop && ++lines_after_stop_ > kLinesAfterIgnoredStop) {
        connection.send("= error daemon ignored stop\n");
        return;
      }
    }
    connection.send("= error stream ended without stop\n");
  }

  static constexpr int kLinesAfterIgnoredStop = 5;
  std::string context_;
  int lines_after_stop_ = 0;
};

class SluicectlTest : public ::testing::Test {
 protected:
  SluicectlTest() : daemon_([this](FakeConnection& c, const std::string& line) { responder_(c, line); }) {}

  std::vector<std::string> with_socket(std::vector<std::string> args) {
    args.insert(args.begin(), {"-s", daemon_.socket_path()});
    return args;
  }

  Responder responder_;
  FakeDaemon daemon_;
};

TEST_F(SluicectlTest, OneShotPrintsEveryOutputLineAndExitsZero) {
  const RunResult r = run_sluicectl(with_socket({"show", "vip"}));
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "mail-in     198.51.100.10  25 465 587\n\nmail-in-v6  2001:db8::25   25\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(daemon_.connections(), (std::vector<std::vector<std::string>>{{"show vip"}}));
}

TEST_F(SluicectlTest, OneShotErrorGoesToStderrWithExitOne) {
  const RunResult r = run_sluicectl(with_socket({"rollback", "99"}));
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sluicectl: no version 99 in the history (versions 1 to 12)\n");
}

TEST_F(SluicectlTest, DaemonsUnknownCommandMessageReachesTheOperator) {
  const RunResult r = run_sluicectl(with_socket({"show", "sesion"}));
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "sluicectl: unknown command 'show sesion' (did you mean 'show session'?)\n");
}

TEST_F(SluicectlTest, SocketFromTheEnvironment) {
  RunOptions options;
  options.environment = {"SLUICECTL_SOCKET=" + daemon_.socket_path()};
  const RunResult r = run_sluicectl({"show", "vip"}, options);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(daemon_.connections().size(), 1u);
}

TEST_F(SluicectlTest, ArgumentsWithBlanksOrQuotesAreQuotedForTheDaemon) {
  const RunResult r = run_sluicectl(with_socket({"set", "comment", "two words", "say \"hi\""}));
  EXPECT_EQ(r.exit_status, 0) << r.err;
  ASSERT_EQ(daemon_.connections().size(), 1u);
  EXPECT_EQ(daemon_.connections()[0], (std::vector<std::string>{"set comment \"two words\" \"say \\\"hi\\\"\""}));
}

TEST_F(SluicectlTest, CtrlCStopsAStreamingCommand) {
  RunOptions options;
  options.interrupt_when_stdout_has = "record 3\n";
  const RunResult r = run_sluicectl(with_socket({"show", "log", "follow"}), options);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_TRUE(responder_.got_stop);
  EXPECT_TRUE(r.out.starts_with("record 1\nrecord 2\nrecord 3\n")) << r.out;
  EXPECT_EQ(r.err, "");
  // "stop" is a control line, not a command: the stream's request is the only one on the connection.
  EXPECT_EQ(daemon_.connections(), (std::vector<std::vector<std::string>>{{"show log follow"}}));
}

TEST_F(SluicectlTest, OneCtrlCWaitsForTheDaemonToEndTheCommand) {
  responder_.ignore_stop = true;  // the daemon goes on for a few lines after "stop", then fails
  RunOptions options;
  options.interrupt_when_stdout_has = "record 3\n";
  const RunResult r = run_sluicectl(with_socket({"show", "log", "follow"}), options);
  EXPECT_TRUE(responder_.got_stop);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "sluicectl: daemon ignored stop\n");
}

TEST_F(SluicectlTest, ScriptRunsOnOneConnectionSkippingBlanksAndComments) {
  RunOptions options;
  options.stdin_text =
      "# make a VIP\n"
      "config firewall vip\n"
      "\n"
      "  edit mail-in\n"
      "set extip 198.51.100.10\r\n"
      "end\n"
      "commit add mail-in\n";
  const RunResult r = run_sluicectl(with_socket({}), options);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "committed version 13\n");
  EXPECT_EQ(daemon_.connections(),
            (std::vector<std::vector<std::string>>{{"config firewall vip", "  edit mail-in",
                                                    "set extip 198.51.100.10", "end", "commit add mail-in"}}));
}

TEST_F(SluicectlTest, ScriptStopsAtTheFirstError) {
  RunOptions options;
  options.stdin_text = "show vip\nrollback 99\nshow vip\n";
  const RunResult r = run_sluicectl(with_socket({}), options);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "sluicectl: <stdin>:2: no version 99 in the history (versions 1 to 12)\n");
  EXPECT_EQ(daemon_.connections(), (std::vector<std::vector<std::string>>{{"show vip", "rollback 99"}}));
}

TEST_F(SluicectlTest, ScriptKeepsGoingWithK) {
  RunOptions options;
  options.stdin_text = "rollback 99\nshow vip\n";
  const RunResult r = run_sluicectl(with_socket({"-k"}), options);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(daemon_.connections(), (std::vector<std::vector<std::string>>{{"rollback 99", "show vip"}}));
  EXPECT_NE(r.out.find("mail-in-v6"), std::string::npos);
}

TEST_F(SluicectlTest, ScriptFromAFileWithLocalHelpAndExit) {
  char path[] = "/tmp/sluicectl-script-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string script = "help execute pause\nshow vip\nexit\nshow vip\n";
  ASSERT_EQ(::write(fd, script.data(), script.size()), static_cast<ssize_t>(script.size()));
  ::close(fd);
  const RunResult r = run_sluicectl(with_socket({"-f", path}));
  ::unlink(path);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  const std::vector<std::string_view> words = {"execute", "pause"};
  EXPECT_TRUE(r.out.starts_with(help_text_for(words))) << r.out;
  // help and exit never reach the daemon; nothing after exit runs.
  EXPECT_EQ(daemon_.connections(), (std::vector<std::vector<std::string>>{{"show vip"}}));
}

TEST_F(SluicectlTest, DaemonClosingMidCommandIsAConnectionProblem) {
  const RunResult r = run_sluicectl(with_socket({"execute", "restart", "workers"}));
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.out, "draining\n");
  EXPECT_EQ(r.err, "sluicectl: connection to " + daemon_.socket_path() +
                       " closed by the daemon before the command finished\n");
}

TEST_F(SluicectlTest, ProtocolViolationIsAConnectionProblem) {
  const RunResult r = run_sluicectl(with_socket({"show", "tls"}));
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.out, "fine\n");
  EXPECT_EQ(r.err, "sluicectl: connection to " + daemon_.socket_path() +
                       " broken: the daemon sent 'this is not the protocol', which is neither '+ output' nor "
                       "'= ok' / '= error'\n");
}

TEST_F(SluicectlTest, OverlongCommandIsRefusedBeforeSending) {
  const RunResult r = run_sluicectl(with_socket({"set", "comment", std::string(kMaxRequestBytes, 'x')}));
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_TRUE(r.err.starts_with("sluicectl: command is ")) << r.err;
  EXPECT_TRUE(daemon_.connections().empty());
}

TEST(Sluicectl, MissingSocketNamesPathAndErrno) {
  const std::string path = "/tmp/sluicectl-test-no-such-dir-" + std::to_string(::getpid()) + "/sluice.sock";
  const RunResult r = run_sluicectl({"-s", path, "show", "vip"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sluicectl: cannot connect to " + path +
                       ": No such file or directory (is the daemon running with `config system control`?)\n");
}

TEST(Sluicectl, SocketWithoutListenerIsConnectionRefused) {
  char directory[] = "/tmp/sluicectl-refused-XXXXXX";
  ASSERT_NE(::mkdtemp(directory), nullptr);
  const std::string path = std::string(directory) + "/sluice.sock";
  // Bound but never listening: what a daemon that died leaves behind.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const RunResult r = run_sluicectl({"-s", path, "show", "vip"});
  ::close(fd);
  ::unlink(path.c_str());
  ::rmdir(directory);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "sluicectl: cannot connect to " + path +
                       ": Connection refused (is the daemon running with `config system control`?)\n");
}

TEST(Sluicectl, HelpNeedsNoDaemon) {
  const RunResult r = run_sluicectl({"-s", "/nonexistent/sluice.sock", "help", "show", "log"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  const std::vector<std::string_view> words = {"show", "log"};
  EXPECT_EQ(r.out, help_text_for(words));
  const RunResult typo = run_sluicectl({"-s", "/nonexistent/sluice.sock", "help", "shw"});
  EXPECT_EQ(typo.exit_status, 1);
  EXPECT_EQ(typo.err, "sluicectl: no help for 'shw': unknown command 'shw' (did you mean 'show'?)\n");
}

TEST(Sluicectl, UsageAndBadOptions) {
  const RunResult usage = run_sluicectl({"--help"});
  EXPECT_EQ(usage.exit_status, 0);
  EXPECT_TRUE(usage.out.starts_with("usage: sluicectl")) << usage.out;
  const RunResult bad = run_sluicectl({"-x", "show", "vip"});
  EXPECT_EQ(bad.exit_status, 2);
  EXPECT_TRUE(bad.err.starts_with("sluicectl: unknown option '-x'\nusage:")) << bad.err;
  const RunResult missing = run_sluicectl({"-s"});
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_TRUE(missing.err.starts_with("sluicectl: option -s needs an argument")) << missing.err;
}

// The library client on its own: the context in "= ok [...]" and output order.
TEST_F(SluicectlTest, WireClientReportsTheEditContext) {
  WireClient client;
  std::string error;
  ASSERT_TRUE(client.connect(daemon_.socket_path(), &error)) << error;
  std::vector<std::string> lines;
  const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  WireClient::Outcome o = client.run("config firewall vip", collect);
  EXPECT_EQ(o.status, WireClient::Outcome::Status::Ok);
  EXPECT_EQ(o.context, "firewall vip");
  o = client.run("edit mail-in", collect);
  EXPECT_EQ(o.context, "firewall vip/mail-in");
  o = client.run("end", collect);
  EXPECT_EQ(o.context, "");
  o = client.run("show vip", collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"mail-in     198.51.100.10  25 465 587", "",
                                             "mail-in-v6  2001:db8::25   25"}));
  o = client.run("rollback 99", collect);
  EXPECT_EQ(o.status, WireClient::Outcome::Status::Error);
  EXPECT_EQ(o.message, "no version 99 in the history (versions 1 to 12)");
  EXPECT_TRUE(client.connected());  // an error is a response, not a broken connection
}

TEST_F(SluicectlTest, WireClientGivesUpOnTheSecondInterrupt) {
  responder_.ignore_stop = true;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  WireClient client;
  std::string error;
  ASSERT_TRUE(client.connect(daemon_.socket_path(), &error)) << error;
  int seen = 0;
  // Each of the first two output lines "presses Ctrl-C" once.
  const WireClient::Outcome o = client.run(
      "show log follow",
      [&](std::string_view) {
        if (++seen <= 2) {
          const char byte = 1;
          ASSERT_EQ(::write(pipe_fds[1], &byte, 1), 1);
        }
      },
      pipe_fds[0]);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  EXPECT_EQ(o.status, WireClient::Outcome::Status::Abandoned);
  EXPECT_FALSE(client.connected());
  // "stop" went out before the close; the fake reads it on its own thread.
  for (int waited = 0; waited < 2000 && !responder_.got_stop; waited += 5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(responder_.got_stop);
}

}  // namespace
}  // namespace sluice::control::cli
