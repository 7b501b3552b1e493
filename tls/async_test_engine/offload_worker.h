// tls/async_test_engine/offload_worker.h — the "accelerator" of the pausing test engine: threads that run
// private-key operations handed to them and ring an eventfd when each is done.
//
// Owns: the work queue, its threads, and the eventfd wrapper (Doorbell) an async job waits on. A job and
// the worker share each Work item and its Doorbell through shared_ptr, so a job abandoned while paused
// (its SSL freed) never leaves the worker writing into freed memory or a recycled fd.
// May call: the C++ standard library and Linux eventfd. Knows nothing of OpenSSL.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::tls::pause_engine {

// An eventfd: readable once rung, until drained. Closed when the last holder lets go.
class Doorbell {
 public:
  Doorbell();  // fd() < 0 when the kernel refused one
  ~Doorbell();
  Doorbell(const Doorbell&) = delete;
  Doorbell& operator=(const Doorbell&) = delete;

  int fd() const { return fd_; }
  void ring();   // makes fd() readable
  void drain();  // makes it unreadable again (non-blocking)
  void wait();   // blocks until readable, without draining

 private:
  int fd_;
};

struct Work {
  std::function<void()> compute;  // runs on a worker thread; owns copies of everything it touches
  std::shared_ptr<Doorbell> doorbell;
  std::atomic<bool> done{false};  // set after compute() returned and the doorbell rang
};

class OffloadWorker {
 public:
  explicit OffloadWorker(unsigned threads);
  ~OffloadWorker();  // finishes queued work, then joins
  OffloadWorker(const OffloadWorker&) = delete;
  OffloadWorker& operator=(const OffloadWorker&) = delete;

  void submit(std::shared_ptr<Work> work);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Work>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::tls::pause_engine
