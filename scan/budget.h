// scan/budget.h — cycle accounting for scanning work (rdtsc).
//
// A message gets a total budget of TSC cycles (`config scan budget` / cycles-per-message). Scanning code
// brackets its work with a ScopedCharge; once the budget is spent the caller stops feeding the scanners and
// the message gets the policy's scan-timeout-action. rdtsc is cheap (~20 cycles) and needs no syscall, so it
// can run per chunk on the hot path.
#pragma once

#include <cstdint>
#include <x86intrin.h>

namespace sluice::scan {

inline uint64_t read_cycles() { return __rdtsc(); }

class CycleBudget {
 public:
  void reset(uint64_t limit) {
    limit_ = limit;
    spent_ = 0;
  }
  void charge(uint64_t cycles) { spent_ += cycles; }
  bool exhausted() const { return limit_ != 0 && spent_ >= limit_; }
  uint64_t spent() const { return spent_; }
  uint64_t limit() const { return limit_; }

 private:
  uint64_t limit_ = 0;  // 0 = unlimited
  uint64_t spent_ = 0;
};

// Charges the cycles between construction and destruction to a budget.
class ScopedCharge {
 public:
  explicit ScopedCharge(CycleBudget& budget) : budget_(budget), start_(read_cycles()) {}
  ~ScopedCharge() { budget_.charge(read_cycles() - start_); }
  ScopedCharge(const ScopedCharge&) = delete;
  ScopedCharge& operator=(const ScopedCharge&) = delete;

 private:
  CycleBudget& budget_;
  uint64_t start_;
};

}  // namespace sluice::scan
