// reassembly/tcp_congestion.h — RFC 5681 congestion window with NewReno-lite recovery.
//
// Owns: cwnd, ssthresh, the duplicate-ACK count and the recovery point (RFC 6582 "recover").
// The endpoint asks it what to do; it sends nothing itself. May call: seq.h.
#pragma once

#include <algorithm>
#include <cstdint>

#include "reassembly/seq.h"

namespace sluice::reassembly {

class CongestionControl {
 public:
  static constexpr uint32_t kDupAckThreshold = 3;  // RFC 5681 3.2

  void reset(uint32_t smss) {
    smss_ = smss;
    // RFC 5681 3.1 initial window.
    cwnd_ = smss > 2190 ? 2 * smss : smss > 1095 ? 3 * smss : 4 * smss;
    ssthresh_ = UINT32_MAX / 2;  // "arbitrarily high"
    dup_acks_ = 0;
    in_recovery_ = false;
    recover_ = 0;
  }

  // New data acknowledged (acked bytes). Returns true when a partial ACK in recovery asks
  // for the next hole to be retransmitted (RFC 6582 3.2 step 3).
  bool on_new_ack(uint32_t ack, uint32_t acked) {
    dup_acks_ = 0;
    if (in_recovery_) {
      if (seq_geq(ack, recover_)) {  // full ACK: deflate
        in_recovery_ = false;
        cwnd_ = ssthresh_;
        return false;
      }
      cwnd_ = cwnd_ > acked ? cwnd_ - acked : 0;  // partial ACK: deflate by the amount acked...
      cwnd_ += smss_;                             // ...and add back one SMSS
      return true;
    }
    if (cwnd_ < ssthresh_) {
      cwnd_ += std::min(acked, smss_);  // slow start, RFC 5681 (2)
    } else {
      cwnd_ += std::max<uint32_t>(1, static_cast<uint32_t>(uint64_t{smss_} * smss_ / cwnd_));  // (3)
    }
    return false;
  }

  // A duplicate ACK. Returns true when this one triggers fast retransmit.
  bool on_dup_ack(uint32_t flight, uint32_t snd_max) {
    ++dup_acks_;
    if (in_recovery_) {
      cwnd_ += smss_;  // RFC 5681 3.2 step 4: inflate
      return false;
    }
    if (dup_acks_ != kDupAckThreshold) return false;
    ssthresh_ = std::max(flight / 2, 2 * smss_);  // RFC 5681 (4)
    cwnd_ = ssthresh_ + kDupAckThreshold * smss_;
    in_recovery_ = true;
    recover_ = snd_max;
    return true;
  }

  // RFC 5681 (4) and 3.1: after an RTO, one segment and slow start again.
  void on_timeout(uint32_t flight) {
    ssthresh_ = std::max(flight / 2, 2 * smss_);
    cwnd_ = smss_;
    dup_acks_ = 0;
    in_recovery_ = false;
  }

  uint32_t cwnd() const { return cwnd_; }
  uint32_t ssthresh() const { return ssthresh_; }
  bool in_recovery() const { return in_recovery_; }

 private:
  uint32_t smss_ = 536, cwnd_ = 0, ssthresh_ = 0, dup_acks_ = 0, recover_ = 0;
  bool in_recovery_ = false;
};

}  // namespace sluice::reassembly
