// reassembly/tcp_rtt_estimator.h — RFC 6298 retransmission timeout.
//
// Owns: SRTT, RTTVAR, the current RTO and its exponential back-off. Karn's rule (no sample
// from a retransmitted segment) is the caller's: it only calls sample() for segments sent
// once. May call: nothing.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sluice::reassembly {

class RttEstimator {
 public:
  RttEstimator(uint64_t initial_ns, uint64_t min_ns, uint64_t max_ns)
      : initial_ns_(initial_ns), min_ns_(min_ns), max_ns_(std::max(min_ns, max_ns)) { reset(); }

  void reset() {
    srtt_ns_ = rttvar_ns_ = 0;
    has_sample_ = false;
    rto_ns_ = clamp(initial_ns_);  // RFC 6298 2.1
  }

  // RFC 6298 2.2 / 2.3 with K = 4 and G = 1 ns (our clock), then 2.4 / 2.5 clamping.
  void sample(uint64_t r_ns) {
    if (!has_sample_) {
      srtt_ns_ = r_ns;
      rttvar_ns_ = r_ns / 2;
      has_sample_ = true;
    } else {
      const uint64_t delta = srtt_ns_ > r_ns ? srtt_ns_ - r_ns : r_ns - srtt_ns_;
      rttvar_ns_ = (3 * rttvar_ns_ + delta) / 4;
      srtt_ns_ = (7 * srtt_ns_ + r_ns) / 8;
    }
    rto_ns_ = computed();
  }
  // RFC 6298 5.5: double on expiry, bounded by the maximum.
  void back_off() { rto_ns_ = std::min(rto_ns_ * 2, max_ns_); }
  // New data acknowledged: drop the back-off (as Linux does) when there is an estimate.
  void on_progress() {
    if (has_sample_) rto_ns_ = computed();
  }

  uint64_t rto_ns() const { return rto_ns_; }
  uint64_t srtt_ns() const { return srtt_ns_; }
  uint64_t rttvar_ns() const { return rttvar_ns_; }
  bool has_sample() const { return has_sample_; }

 private:
  uint64_t computed() const { return clamp(srtt_ns_ + std::max<uint64_t>(1, 4 * rttvar_ns_)); }
  uint64_t clamp(uint64_t v) const { return std::clamp(v, min_ns_, max_ns_); }

  uint64_t initial_ns_, min_ns_, max_ns_;
  uint64_t srtt_ns_ = 0, rttvar_ns_ = 0, rto_ns_ = 0;
  bool has_sample_ = false;
};

}  // namespace sluice::reassembly
