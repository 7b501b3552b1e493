// Per-core Hyperscan scratch space.
//
// Owns: one hs_scratch_t sized for all three of a Database's Hyperscan databases (stream, block,
// header). Calls: hs_alloc_scratch / hs_free_scratch. One per worker core; never shared, since
// Hyperscan forbids two scans using the same scratch at once.
#pragma once

#include <hs/hs_runtime.h>

namespace sluice::engine {

class Database;

class Scratch {
 public:
  explicit Scratch(const Database&);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // Grows the scratch so it also serves `db` (a newly committed policy's database); scans of older databases
  // keep working with it. Call between scans only: Hyperscan may move the scratch.
  bool extend_for(const Database& db);

  hs_scratch_t* get() { return scratch_; }
  // False when Hyperscan could not allocate; scans with it then report failure, never crash.
  bool ok() const { return ok_; }

 private:
  hs_scratch_t* scratch_ = nullptr;  // null when the database has no Hyperscan patterns at all
  bool ok_ = true;
};

}  // namespace sluice::engine
