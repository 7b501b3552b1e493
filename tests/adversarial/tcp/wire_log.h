// tests/adversarial/tcp/wire_log.h — one peer's view of what the worker transmitted to it: the payload in
// sequence order, exactly once, however the worker segmented or retransmitted it.
//
// Owns: WireLog. May call: the ring harness's parsed Frame. Header-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/component/ring_appliance.h"

namespace sluice::testing {

// Payload bytes are taken at the sequence number expected next (a retransmission of bytes already taken is
// counted, not appended); a SYN from the worker sets where the stream starts. Also the highest ACK, RST, FIN.
struct WireLog {
  uint32_t next = 0;                // sequence number of the next byte expected from the worker
  std::string bytes;                // in-order payload
  uint64_t payload_frames = 0;      // frames with payload, retransmissions included
  uint64_t resent_bytes = 0;        // payload bytes not at `next` (sent again, or beyond a hole)
  uint32_t last_ack = 0;
  bool ack_seen = false, rst = false, fin = false;

  explicit WireLog(uint32_t first_seq = 0) : next(first_seq) {}

  void take(const Frame& f) {
    if (f.kind != Frame::Kind::Tcp) return;
    if (f.flags & dataplane::kTcpSyn) next = f.seq + 1;
    rst = rst || (f.flags & dataplane::kTcpRst);
    fin = fin || (f.flags & dataplane::kTcpFin);
    if (f.flags & dataplane::kTcpAck) {
      last_ack = f.ack;
      ack_seen = true;
    }
    if (f.payload.empty()) return;
    ++payload_frames;
    if (f.seq == next) {
      bytes += f.payload;
      next += static_cast<uint32_t>(f.payload.size());
    } else {
      resent_bytes += f.payload.size();
    }
  }
  void take(const std::vector<Frame>& frames) {
    for (const Frame& f : frames) take(f);
  }
};

}  // namespace sluice::testing
