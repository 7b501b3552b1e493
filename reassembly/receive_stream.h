// reassembly/receive_stream.h — one direction of a TCP connection, as its receiver sees it.
//
// Owns: the receive sequence variables (RFC 9293 §3.3.1: the initial sequence and
// RCV.NXT), where the FIN sits, the out-of-order store, the delivered-bytes history and
// the direction's counters. It places data by sequence number, applies "first copy
// wins", delivers whatever becomes contiguous and declares gaps when told to.
// It does not interpret SYN, RST or the flow's state: PassiveTcpFlow does.
// May call: OooStore, DeliveredHistory, seq.h, and the StreamSink it was given.
#pragma once

#include <cstdint>
#include <string_view>

#include "reassembly/delivered_history.h"
#include "reassembly/ooo_store.h"
#include "reassembly/reassembly_limits.h"
#include "reassembly/stream_counters.h"
#include "reassembly/stream_sink.h"
#include "reassembly/tcp_segment.h"

namespace sluice::reassembly {

class ReceiveStream {
 public:
  ReceiveStream(Direction direction, const ReassemblyLimits& limits, StreamSink& sink);

  void reset();

  bool started() const { return started_; }
  bool syn_seen() const { return syn_seen_; }
  uint32_t initial_data_seq() const { return rcv_.initial; }
  uint32_t next() const { return rcv_.next; }  // RCV.NXT
  // True once every byte up to and including the FIN has been delivered.
  bool finished() const { return fin_.reached; }

  // The stream's first data byte is at first_data_seq (ISN + 1 after a SYN).
  void start_at(uint32_t first_data_seq, bool from_syn);
  void mark_syn_seen() { syn_seen_ = true; }

  void accept_data(uint32_t seq, std::string_view payload);
  void accept_fin(uint32_t fin_seq);
  // The peer acknowledged everything before ack; holes below it will never be seen.
  void declare_acked_gap(uint32_t ack);
  // End of the flow without RST: report every hole as a gap and deliver what follows it.
  void flush_with_gaps();
  // RST: the receiver flushed its queue (RFC 9293 §3.10.7.4), so queued bytes go too.
  void discard_queued();

  StreamCounters& counters() { return counters_; }
  const StreamCounters& counters() const { return counters_; }

 private:
  struct ReceiveSequence {
    uint32_t initial = 0;  // first data byte's sequence number
    uint32_t next = 0;     // RCV.NXT: the next byte to deliver
  };
  struct FinPosition {
    bool seen = false;
    bool reached = false;  // all data before it delivered; RCV.NXT is past it
    uint32_t seq = 0;      // the sequence number the FIN occupies
  };

  void deliver(std::string_view bytes);
  void deliver_queued();
  void report_gap(uint32_t missing_bytes);
  void pass_fin_if_reached();

  Direction direction_;
  StreamSink& sink_;
  OooStore ooo_;
  DeliveredHistory history_;
  ReceiveSequence rcv_;
  FinPosition fin_;
  bool started_ = false;
  bool syn_seen_ = false;
  StreamCounters counters_;
};

}  // namespace sluice::reassembly
