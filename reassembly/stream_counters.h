// reassembly/stream_counters.h — what happened to one direction of a flow.
//
// Owns: StreamCounters. Every segment the reassembler refuses or alters is counted in
// exactly one of these, so bad input is visible instead of silent.
// May call: nothing.
#pragma once

#include <cstdint>

namespace sluice::reassembly {

struct StreamCounters {
  uint64_t delivered_bytes = 0;    // bytes handed to the sink, in order
  uint64_t segments = 0;           // every segment seen in this direction
  uint64_t out_of_order = 0;       // data segments that started beyond RCV.NXT
  uint64_t retransmits = 0;        // data segments that carried no new byte
  uint64_t overlaps = 0;           // data segments that carried new and already-held bytes
  uint64_t overlap_conflicts = 0;  // segments whose already-held bytes differed (first copy kept)
  uint64_t dropped_over_limit = 0; // segments dropped because the out-of-order store was full
  uint64_t gap_bytes = 0;          // bytes declared lost (reported through on_stream_gap)
  uint64_t bogus = 0;              // segments or parts ignored as implausible (see README)
  uint64_t reset_discarded_bytes = 0;  // queued bytes flushed by an RST (RFC 9293 §3.10.7.4)
};

}  // namespace sluice::reassembly
