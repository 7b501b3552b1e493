// tls/tls_worker_pool.cc — see tls_worker_pool.h.
#include "tls/tls_worker_pool.h"

#include <chrono>
#include <thread>

#include "tls/pool_registry.h"
#include "tls/pool_source.h"
#include "tls/pool_stall.h"
#include "tls/pool_worker.h"

namespace sluice::tls {
namespace {

// The CPU's spin-wait hint: lets a sibling hyperthread run and saves power while we spin.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Bounds that keep a typo in the configuration from allocating the machine away.
constexpr uint32_t kMaxWorkers = 1024;
constexpr uint32_t kMaxLegs = 1u << 20;
constexpr size_t kMaxRingBytes = size_t(1) << 26;  // 64 MiB per ring

}  // namespace

std::unique_ptr<TlsWorkerPool> TlsWorkerPool::create(const TlsWorkerPoolSettings& settings, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<TlsWorkerPool> {
    if (error != nullptr) *error = "tls worker pool: " + why;
    return nullptr;
  };
  if (settings.tls_workers == 0 || settings.tls_workers > kMaxWorkers) return fail("tls_workers must be 1..1024");
  if (settings.dataplane_workers == 0 || settings.dataplane_workers > kMaxWorkers) {
    return fail("dataplane_workers must be 1..1024");
  }
  if (settings.max_legs == 0 || settings.max_legs > kMaxLegs) return fail("max_legs must be 1..1048576");
  if (settings.cipher_ring_bytes == 0 || settings.cipher_ring_bytes > kMaxRingBytes ||
      settings.plain_ring_bytes == 0 || settings.plain_ring_bytes > kMaxRingBytes) {
    return fail("ring sizes must be 1 byte..64 MiB");
  }
  std::unique_ptr<TlsWorkerPool> pool(new TlsWorkerPool(settings));
  for (auto& w : pool->workers_) {
    if (!w->ok()) return fail(std::string("epoll_create1: ") + w->error());
  }
  PoolRegistry::process().add(pool.get());
  return pool;
}

TlsWorkerPool::TlsWorkerPool(const TlsWorkerPoolSettings& settings) : settings_(settings) {
  std::vector<PoolSource*> sources;
  for (uint32_t d = 0; d < settings.dataplane_workers; ++d) {
    sources_.push_back(std::make_unique<PoolSource>(d, settings));
    sources.push_back(sources_.back().get());
  }
  for (uint32_t t = 0; t < settings.tls_workers; ++t) {
    workers_.push_back(std::make_unique<TlsWorker>(t, settings, sources));
    stalls_.push_back(std::make_unique<StallSwitch>());
  }
}

// Off the registry first, so the control thread cannot reach a pool being torn down. The sources go last:
// their legs free the sessions still open (none is parked any more: run_worker drained them or leaked them).
TlsWorkerPool::~TlsWorkerPool() {
  PoolRegistry::process().remove(this);
  workers_.clear();
  sources_.clear();
}

TlsLegSource& TlsWorkerPool::source(uint32_t dataplane_worker) { return *sources_.at(dataplane_worker); }

size_t TlsWorkerPool::poll_worker(uint32_t tls_worker) { return workers_.at(tls_worker)->poll_once(); }

void TlsWorkerPool::run_worker(uint32_t tls_worker, const std::atomic<bool>& stop) {
  using Clock = std::chrono::steady_clock;
  TlsWorker& w = *workers_.at(tls_worker);
  StallSwitch& stall = *stalls_.at(tls_worker);
  const auto spin = std::chrono::microseconds(settings_.idle_spin_us);
  const auto nap = std::chrono::microseconds(settings_.idle_sleep_us);
  Clock::time_point idle_since{};
  bool idle = false;
  bool stopping = false;
  Clock::time_point drain_deadline{};
  for (;;) {
    if (stall.take(stop, w.stats()) != 0) idle = false;   // a stalled worker comes back spinning: work waits
    const size_t work = w.poll_once();
    if (!stopping && stop.load(std::memory_order_relaxed)) {
      stopping = true;
      drain_deadline = Clock::now() + std::chrono::milliseconds(settings_.stop_drain_ms);
    }
    if (stopping && (w.parked() == 0 || Clock::now() >= drain_deadline)) break;
    if (work > 0) {
      idle = false;
      continue;
    }
    const Clock::time_point now = Clock::now();
    if (!idle) {
      idle = true;
      idle_since = now;
    }
    if (now - idle_since < spin) {
      cpu_relax();
    } else {
      w.stats().idle_sleeps.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(nap);  // nanosleep: the core goes to whoever shares it
    }
  }
  w.abandon_parked();
}

const TlsWorkerStats& TlsWorkerPool::stats(uint32_t tls_worker) const { return workers_.at(tls_worker)->stats(); }

uint64_t TlsWorkerPool::total_async_pauses() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->stats().async_pauses.load(std::memory_order_relaxed);
  return n;
}

uint64_t TlsWorkerPool::total_async_resumes() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->stats().async_resumes.load(std::memory_order_relaxed);
  return n;
}

bool TlsWorkerPool::stall_worker(uint32_t tls_worker, uint32_t ms, std::string* error) {
  if (tls_worker >= workers_.size()) {
    *error = "no TLS worker " + std::to_string(tls_worker) + " (there are " + std::to_string(workers_.size()) +
             ", numbered from 0)";
    return false;
  }
  if (ms == 0 || ms > settings_.max_injected_stall_ms) {
    *error = "a stall is 1.." + std::to_string(settings_.max_injected_stall_ms) + " ms, not " + std::to_string(ms);
    return false;
  }
  if (stalls_[tls_worker]->request(ms) == StallSwitch::Request::Busy) {
    *error = "TLS worker " + std::to_string(tls_worker) + " is already stalled (" +
             std::to_string(stalls_[tls_worker]->remaining_ms()) + " ms left)";
    return false;
  }
  return true;
}

uint64_t TlsWorkerPool::stall_remaining_ms(uint32_t tls_worker) const { return stalls_.at(tls_worker)->remaining_ms(); }

uint64_t TlsWorkerPool::total_legs_exhausted() const {
  uint64_t n = 0;
  for (const auto& s : sources_) n += s->legs_exhausted();
  return n;
}

}  // namespace sluice::tls
