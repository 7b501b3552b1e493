// tls/pool_registry.h — the TLS worker pools alive in this process, for the control plane's fault injection.
//
// Owns: a list of live TlsWorkerPool pointers behind one mutex. A pool adds itself at the end of
// TlsWorkerPool::create() and removes itself first thing in its destructor, so a caller inside with_pools()
// never sees a pool being torn down (the destructor waits on the mutex). Why a process-wide list: the pool is
// built per run of the live workers (dataplane/live_mode.cc, again at every `execute restart workers`), while
// `diagnose tls stall` runs on the control thread, which is never handed the pool; the list is how the one
// reaches the other without threading a pointer through every restart. Nothing on a data path reads it.
// May call: the C++ standard library.
#pragma once

#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace sluice::tls {

class TlsWorkerPool;

class PoolRegistry {
 public:
  // The process's registry (the one TlsWorkerPool::create() uses).
  static PoolRegistry& process();

  void add(TlsWorkerPool* pool);
  void remove(TlsWorkerPool* pool);   // a pool not in the list: nothing happens

  // Calls fn with the live pools, oldest first, holding the lock: a pool in the span stays alive until fn returns.
  void with_pools(const std::function<void(std::span<TlsWorkerPool* const>)>& fn);

 private:
  std::mutex mutex_;
  std::vector<TlsWorkerPool*> pools_;
};

}  // namespace sluice::tls
