// tls/pool_registry.cc — see pool_registry.h.
#include "tls/pool_registry.h"

#include <algorithm>

namespace sluice::tls {

PoolRegistry& PoolRegistry::process() {
  static PoolRegistry registry;   // constructed on first use; pools of static objects are not a case here
  return registry;
}

void PoolRegistry::add(TlsWorkerPool* pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  pools_.push_back(pool);
}

void PoolRegistry::remove(TlsWorkerPool* pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  pools_.erase(std::remove(pools_.begin(), pools_.end(), pool), pools_.end());
}

void PoolRegistry::with_pools(const std::function<void(std::span<TlsWorkerPool* const>)>& fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  fn(pools_);
}

}  // namespace sluice::tls
