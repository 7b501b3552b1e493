// tls/async_test_engine/pause_engine_stats.h — what the "sluice-pause" test engine counts, as read back
// through its "STATS" control command.
//
// Owns: the layout shared by the engine module and the tests that load it; nothing else. The engine is a
// separate shared object, so this header is the whole contract: a plain struct, filled in one call.
//   ENGINE_ctrl_cmd(engine, "STATS", 0, &stats, nullptr, 0);
// May call: nothing.
#pragma once

#include <cstdint>

namespace sluice::tls::pause_engine {

struct Stats {
  uint64_t paused = 0;          // ASYNC_pause_job() calls made while a private-key operation was on the worker
  uint64_t resumed = 0;         // returns from those calls (equal to paused once every job has finished)
  uint64_t offloaded_ops = 0;   // private-key operations computed on the worker thread inside an async job
  uint64_t inline_ops = 0;      // ones computed in the caller's thread: no async job was running
  uint64_t early_resumes = 0;   // resumes that found the worker not yet done (the caller did not wait for the fd)
};

}  // namespace sluice::tls::pause_engine
