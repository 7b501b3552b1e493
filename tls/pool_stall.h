// tls/pool_stall.h — fault injection: one TLS worker stops polling for a while, on demand, as it would behind a
// stuck crypto offload or on a core the kernel took away (`diagnose tls stall`, docs/security.md "Fault
// injection").
//
// Owns: one TLS worker's stall switch: a request (how long), set from any thread, and the stall itself, taken by
// the worker's own loop (TlsWorkerPool::run_worker) between two polls. While it stalls the worker touches none
// of its legs: kicks wait in their queues (sized for every leg, so none is lost), ciphertext and plaintext wait
// in the rings, parked async jobs stay parked; the dataplane keeps running and its own time-outs apply. The
// stall sleeps in short slices and ends early once `stop` is set, so a shutdown or `execute restart workers`
// during a stall is not held up by it.
// May call: tls/pool_settings.h (TlsWorkerStats) and the C++ standard library.
#pragma once

#include <atomic>
#include <cstdint>

#include "tls/pool_settings.h"

namespace sluice::tls {

class StallSwitch {
 public:
  enum class Request : uint8_t { Accepted, Busy };

  // Any thread: the worker stops polling for `ms` from its next iteration. Busy when a stall is already asked
  // for or running (one at a time: a second request would silently stretch the first). The caller checks the
  // range (TlsWorkerPool::stall_worker).
  Request request(uint32_t ms);

  // The worker's thread, between two polls: when a stall was asked for, sleeps it out (or until `stop`),
  // counts it in stats (stalls_injected, stalled_ms) and returns the milliseconds actually stalled; 0 when
  // none was asked for. One relaxed load when there is nothing to do.
  uint64_t take(const std::atomic<bool>& stop, TlsWorkerStats& stats);

  // Any thread: milliseconds of the stall still to come (asked for and not started: all of it), 0 if none.
  uint64_t remaining_ms() const;

 private:
  // 0: no stall; otherwise the asked-for ms, with kRunning set once the worker has started it.
  static constexpr uint64_t kRunning = uint64_t{1} << 63;
  std::atomic<uint64_t> word_{0};
  std::atomic<int64_t> ends_at_ns_{0};   // steady clock, while running (for remaining_ms only)
};

}  // namespace sluice::tls
