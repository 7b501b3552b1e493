// control/cli/interrupt.h — Ctrl-C as a readable byte, so a streaming command can be told to stop.
//
// Owns: sluicectl's SIGINT handler and the self-pipe it writes to. The handler only write()s one byte
// (async-signal-safe); WireClient::run polls the read end and sends "stop" (twice: gives up).
// May call: POSIX signals and pipes.
#pragma once

#include <string>

namespace sluice::control::cli {

class InterruptPipe {
 public:
  // One per process: the handler writes to the pipe of the last install().
  bool install(std::string* error);
  int read_fd() const { return read_fd_; }
  // Forget interrupts that arrived while no command was running (at the prompt, between script lines).
  void drain();

 private:
  int read_fd_ = -1;
};

}  // namespace sluice::control::cli
