// tls/pool_stall.cc — see pool_stall.h.
#include "tls/pool_stall.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace sluice::tls {
namespace {

using Clock = std::chrono::steady_clock;

// How often a stalled worker looks at `stop`: short enough that a shutdown does not notice the stall.
constexpr auto kSlice = std::chrono::milliseconds(10);

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

StallSwitch::Request StallSwitch::request(uint32_t ms) {
  uint64_t idle = 0;
  return word_.compare_exchange_strong(idle, ms, std::memory_order_acq_rel) ? Request::Accepted : Request::Busy;
}

uint64_t StallSwitch::take(const std::atomic<bool>& stop, TlsWorkerStats& stats) {
  const uint64_t asked = word_.load(std::memory_order_acquire);
  if (asked == 0) return 0;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::milliseconds(asked);
  ends_at_ns_.store(now_ns() + static_cast<int64_t>(asked) * 1'000'000, std::memory_order_relaxed);
  word_.store(asked | kRunning, std::memory_order_release);
  stats.stalls_injected.fetch_add(1, std::memory_order_relaxed);
  for (Clock::time_point now = start; now < end && !stop.load(std::memory_order_relaxed); now = Clock::now()) {
    std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, end - now));
  }
  const uint64_t stalled =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
  stats.stalled_ms.fetch_add(stalled, std::memory_order_relaxed);
  ends_at_ns_.store(0, std::memory_order_relaxed);
  word_.store(0, std::memory_order_release);
  return stalled;
}

uint64_t StallSwitch::remaining_ms() const {
  const uint64_t word = word_.load(std::memory_order_acquire);
  if (word == 0) return 0;
  if ((word & kRunning) == 0) return word;
  const int64_t left = ends_at_ns_.load(std::memory_order_relaxed) - now_ns();
  return left > 0 ? static_cast<uint64_t>(left) / 1'000'000 : 0;
}

}  // namespace sluice::tls
