// control/cli/interrupt.cc — SIGINT handler writing to a non-blocking self-pipe.
#include "control/cli/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::control::cli {

namespace {

volatile sig_atomic_t g_write_fd = -1;

void on_interrupt(int) {
  const int saved = errno;
  const char byte = 1;
  // A full pipe means plenty of interrupts are already pending: dropping this one loses nothing.
  [[maybe_unused]] const ssize_t ignored = ::write(g_write_fd, &byte, 1);
  errno = saved;
}

}  // namespace

bool InterruptPipe::install(std::string* error) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    *error = std::string("cannot create the interrupt pipe: ") + std::strerror(errno);
    return false;
  }
  read_fd_ = fds[0];
  g_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked poll returns EINTR and sees the byte at once
  if (::sigaction(SIGINT, &action, nullptr) != 0) {
    *error = std::string("cannot install the SIGINT handler: ") + std::strerror(errno);
    return false;
  }
  return true;
}

void InterruptPipe::drain() {
  char bytes[64];
  while (read_fd_ >= 0 && ::read(read_fd_, bytes, sizeof(bytes)) > 0) {
  }
}

}  // namespace sluice::control::cli
