// tls/async_test_engine/offload_worker.cc — see offload_worker.h.
#include "tls/async_test_engine/offload_worker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace sluice::tls::pause_engine {

Doorbell::Doorbell() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Doorbell::~Doorbell() {
  if (fd_ >= 0) close(fd_);
}

void Doorbell::ring() {
  const uint64_t one = 1;
  // An eventfd write fails only when the counter would overflow: it is readable then anyway.
  while (write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void Doorbell::drain() {
  uint64_t count;
  while (read(fd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

void Doorbell::wait() {
  pollfd p{fd_, POLLIN, 0};
  while (poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

OffloadWorker::OffloadWorker(unsigned threads) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

OffloadWorker::~OffloadWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void OffloadWorker::submit(std::shared_ptr<Work> work) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));
  }
  wake_.notify_one();
}

void OffloadWorker::run() {
  for (;;) {
    std::shared_ptr<Work> work;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left that a paused job could be waiting for
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work->compute();
    // Ring before marking done: a job resumed in between sees !done and waits for the fd, which is
    // then already readable; one that sees done drains a ring that has certainly happened.
    work->doorbell->ring();
    work->done.store(true, std::memory_order_release);
  }
}

}  // namespace sluice::tls::pause_engine
