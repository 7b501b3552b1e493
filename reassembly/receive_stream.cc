// reassembly/receive_stream.cc — placing one direction's bytes by sequence number.
#include "reassembly/receive_stream.h"

#include <algorithm>

#include "reassembly/seq.h"

namespace sluice::reassembly {

ReceiveStream::ReceiveStream(Direction direction, const ReassemblyLimits& limits,
                             StreamSink& sink)
    : direction_(direction),
      sink_(sink),
      ooo_(limits.max_ooo_bytes, limits.max_ooo_segments),
      history_(limits.max_history_bytes) {}

void ReceiveStream::reset() {
  ooo_.clear();
  history_.clear();
  rcv_ = {};
  fin_ = {};
  started_ = false;
  syn_seen_ = false;
  counters_ = {};
}

void ReceiveStream::start_at(uint32_t first_data_seq, bool from_syn) {
  started_ = true;
  syn_seen_ = from_syn;
  rcv_.initial = first_data_seq;
  rcv_.next = first_data_seq;
}

// Splits the payload into bytes before RCV.NXT (already delivered: compared with the
// history, never re-delivered), bytes at RCV.NXT (delivered now, up to the first queued
// byte) and bytes beyond (queued; the store keeps the first copy of every byte).
void ReceiveStream::accept_data(uint32_t seq, std::string_view payload) {
  if (payload.empty()) return;
  if (fin_.seen) {
    // The FIN is the last sequence number the sender uses (RFC 9293 §3.6): data at or
    // beyond it is not part of the stream.
    const int32_t room = seq_diff(fin_.seq, seq);
    if (room < 0 || static_cast<uint32_t>(room) < payload.size()) {
      ++counters_.bogus;
      if (room <= 0) return;
      payload = payload.substr(0, static_cast<uint32_t>(room));
    }
  }
  bool already_held = false;
  bool conflict = false;
  if (seq_lt(seq, rcv_.next)) {
    const auto old_length =
        static_cast<uint32_t>(std::min<uint64_t>(payload.size(), rcv_.next - seq));
    conflict = history_.differs(seq, payload.substr(0, old_length), rcv_.next);
    already_held = true;
    payload.remove_prefix(old_length);
    seq += old_length;
  }
  uint64_t new_bytes = 0;
  if (!payload.empty()) {
    if (seq == rcv_.next) {
      const uint64_t direct =
          ooo_.empty() ? payload.size()
                       : std::min<uint64_t>(payload.size(), ooo_.first_seq() - rcv_.next);
      deliver(payload.substr(0, direct));
      new_bytes += direct;
      payload.remove_prefix(direct);
      seq += static_cast<uint32_t>(direct);
    } else {
      ++counters_.out_of_order;
    }
    if (!payload.empty()) {
      const OooInsertResult queued = ooo_.insert(seq, payload);
      new_bytes += queued.new_bytes;
      already_held = already_held || queued.overlap_bytes > 0;
      conflict = conflict || queued.conflict;
      if (queued.dropped) ++counters_.dropped_over_limit;
    }
    deliver_queued();
  }
  if (conflict) ++counters_.overlap_conflicts;
  if (already_held) ++(new_bytes == 0 ? counters_.retransmits : counters_.overlaps);
}

void ReceiveStream::accept_fin(uint32_t fin_seq) {
  if (fin_.seen) {
    if (fin_seq != fin_.seq) ++counters_.bogus;  // a second, different end of stream
    return;
  }
  // First copy wins here too: a FIN inside bytes already delivered or queued would cut
  // data that was accepted before it.
  const bool cuts_delivered = seq_lt(fin_seq, rcv_.next);
  const bool cuts_queued = !ooo_.empty() && seq_gt(ooo_.end_seq(), fin_seq);
  if (cuts_delivered || cuts_queued) {
    ++counters_.bogus;
    return;
  }
  fin_.seen = true;
  fin_.seq = fin_seq;
  pass_fin_if_reached();
}

// ACKs are cumulative: the receiver holds every byte below one (RFC 9293 §3.4), so an ACK beyond
// RCV.NXT means the capture lost them and no retransmission will bring them back. Only
// acted upon while queued data waits behind the hole, the case that would otherwise
// stall the stream until close.
void ReceiveStream::declare_acked_gap(uint32_t ack) {
  uint32_t acked_end = ack;
  if (fin_.seen && seq_gt(acked_end, fin_.seq)) acked_end = fin_.seq;  // the FIN is no data
  while (!ooo_.empty() && seq_gt(acked_end, rcv_.next)) {
    const uint32_t hole_end = seq_lt(acked_end, ooo_.first_seq()) ? acked_end : ooo_.first_seq();
    report_gap(hole_end - rcv_.next);
    deliver_queued();
  }
}

void ReceiveStream::flush_with_gaps() {
  while (!ooo_.empty()) {
    report_gap(ooo_.first_seq() - rcv_.next);
    deliver_queued();
  }
  if (fin_.seen && seq_lt(rcv_.next, fin_.seq)) {
    report_gap(fin_.seq - rcv_.next);
    pass_fin_if_reached();
  }
}

void ReceiveStream::discard_queued() {
  counters_.reset_discarded_bytes += ooo_.held_bytes();
  ooo_.clear();
}

void ReceiveStream::deliver(std::string_view bytes) {
  if (bytes.empty()) return;
  sink_.on_stream_data(direction_, bytes);
  history_.record(bytes);
  rcv_.next += static_cast<uint32_t>(bytes.size());
  counters_.delivered_bytes += bytes.size();
}

void ReceiveStream::deliver_queued() {
  while (!ooo_.empty() && ooo_.first_seq() == rcv_.next) {
    deliver(ooo_.front_bytes());
    ooo_.pop_front();
  }
  pass_fin_if_reached();
}

// The stream continues after the missing bytes; the history no longer lines up with
// RCV.NXT, so it starts afresh.
void ReceiveStream::report_gap(uint32_t missing_bytes) {
  sink_.on_stream_gap(direction_, missing_bytes);
  counters_.gap_bytes += missing_bytes;
  rcv_.next += missing_bytes;
  history_.clear();
}

// The FIN occupies one sequence number (RFC 9293 §3.4), so RCV.NXT steps over it.
void ReceiveStream::pass_fin_if_reached() {
  if (fin_.seen && !fin_.reached && rcv_.next == fin_.seq) {
    fin_.reached = true;
    rcv_.next += 1;
  }
}

}  // namespace sluice::reassembly
