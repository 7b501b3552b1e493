// reassembly/passive_tcp_flow.h — one TCP connection seen passively, both directions.
//
// Owns: turning the segments of both directions of ONE connection (offline captures) into
// two in-order byte streams, handed to a StreamSink as soon as they are contiguous, and
// the connection's coarse state. The flow table, packet parsing and direction finding
// belong to dataplane/. May call: ReceiveStream (and through it OooStore and
// DeliveredHistory), seq.h, the StreamSink. Nothing outside the standard library.
//
// Policies (the same rules the live endpoint will use; README.md has the rationale):
// - Overlap: FIRST COPY WINS. Bytes already delivered or already queued are never
//   replaced. A later copy that differs is counted in overlap_conflicts (THREATS TCP-1,
//   TCP-2); identical copies count as retransmits (no new byte) or overlaps (some new).
//   Delivered bytes are compared against the last max_history_bytes of the stream.
// - Handshake: a SYN sets the ISN and the stream starts at ISN + 1 (RFC 9293 §3.4); the
//   SYN-ACK does the same for the other direction. Data carried in a SYN is kept.
// - Mid-stream pick-up: with no SYN, a direction starts at the peer's ACK if the peer
//   spoke first, else at its own first segment; midstream() is then true. Bytes before
//   that point are never seen and are not reported as a gap.
// - Out of order: held in a fixed store allocated here (max_ooo_bytes, max_ooo_segments
//   per direction). A segment whose new bytes do not fit is dropped whole and counted in
//   dropped_over_limit: a real sender retransmits. At close(), holes are reported with
//   on_stream_gap and the bytes after them delivered, so a truncated capture still
//   yields its data, with the loss flagged.
// - Capture loss: when one direction ACKs bytes the other never delivered while queued
//   data waits behind the hole, the hole is declared a gap (the peer got those bytes; the
//   capture will never show them) and delivery goes on.
// - FIN: the stream ends at the FIN's sequence number; later data in that direction is
//   counted bogus and dropped. Both FINs reached -> Closed, on_stream_close(Fin).
// - RST: only an in-window RST (RCV.NXT <= SEG.SEQ < RCV.NXT + max_window_ahead,
//   RFC 9293 §3.10.7.4) closes at once; queued bytes are discarded, as the receiver
//   flushes them. An RST outside the window is counted bogus and ignored. An RST in a
//   direction never seen is accepted only when it ACKs the peer's RCV.NXT (the SYN-SENT
//   rule of RFC 9293 §3.10.7.3).
// - Plausibility: segments starting more than max_window_ahead from RCV.NXT (either
//   way) are bogus. Sequence numbers wrap modulo 2^32 (seq.h).
// - Urgent data is inline (SO_OOBINLINE semantics): URG and the urgent pointer are
//   ignored and the urgent byte stays in the stream (THREATS TCP-4, RFC 6093).
// - on_stream_close is called exactly once per flow; after it, segments are ignored
//   (those carrying data or SYN counted bogus).
#pragma once

#include <array>
#include <cstdint>

#include "reassembly/reassembly_limits.h"
#include "reassembly/receive_stream.h"
#include "reassembly/stream_counters.h"
#include "reassembly/stream_sink.h"
#include "reassembly/tcp_segment.h"

namespace sluice::reassembly {

enum class FlowState : uint8_t { New, SynSeen, Established, Closing, Closed };

class PassiveTcpFlow {
 public:
  // Allocates both directions' out-of-order storage once, here.
  PassiveTcpFlow(const ReassemblyLimits& limits, StreamSink& sink);

  // Reuse the object for a new flow; storage is kept.
  void reset();
  void on_segment(Direction direction, const TcpSegment& segment);
  // Idle time-out or end of input: report holes as gaps, deliver what follows, close.
  // CloseReason::None is treated as EndOfInput.
  void close(CloseReason reason);

  FlowState state() const { return state_; }
  CloseReason close_reason() const { return close_reason_; }
  // True when a direction was picked up without seeing its SYN.
  bool midstream() const;
  const StreamCounters& counters(Direction direction) const;

 private:
  ReceiveStream& stream(Direction direction);
  bool start_from_syn(ReceiveStream& rx, const TcpSegment& segment);
  void handle_reset(ReceiveStream& rx, const ReceiveStream& peer, const TcpSegment& segment);
  void handle_ack(ReceiveStream& rx, ReceiveStream& peer, const TcpSegment& segment);
  void update_state();
  void finish(CloseReason reason);

  ReassemblyLimits limits_;
  StreamSink& sink_;
  std::array<ReceiveStream, 2> streams_;  // indexed by Direction
  FlowState state_ = FlowState::New;
  CloseReason close_reason_ = CloseReason::None;
};

}  // namespace sluice::reassembly
