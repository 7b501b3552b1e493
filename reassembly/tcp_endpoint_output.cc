// reassembly/tcp_endpoint_output.cc — what TcpEndpoint sends and when: SYNs, data within
// RFC 5681 cwnd and the peer's window, FIN, ACKs, RSTs; the RTO (RFC 6298), persist
// (RFC 9293 §3.8.6.1), TIME-WAIT and FIN-WAIT-2 timers.
#include <algorithm>

#include "reassembly/seq.h"
#include "reassembly/tcp_endpoint.h"

namespace sluice::reassembly {
namespace {

constexpr uint64_t kNsPerMs = 1'000'000;
constexpr uint32_t kMaxWindowField = 0xFFFF;

}  // namespace

void TcpEndpoint::emit(SegmentOut out) {
  if ((out.flags & (tcp_flag::ACK | tcp_flag::SYN | tcp_flag::RST)) == tcp_flag::ACK) add_sack_blocks(out);
  ++counters_.segments_out;
  if (out.flags & tcp_flag::ACK) pending_ack_ = false;  // every ACK carries the latest RCV.NXT
  if (sink_ != nullptr) sink_->send_segment(out);
}

// RFC 2018 3-4: while out-of-order data is held, every ACK reports it, the block with the latest arrival
// first. Without these a SACK-enabled sender (Linux) learns of losses only from its retransmission timer.
void TcpEndpoint::add_sack_blocks(SegmentOut& out) const {
  if (!sack_ok_ || ooo_.empty()) return;
  uint32_t merged[kSackScan][2];
  uint32_t count = 0;
  for (uint32_t i = 0; i < ooo_.interval_count(); ++i) {
    uint32_t start = 0, end = 0;
    ooo_.interval(i, &start, &end);
    if (count > 0 && merged[count - 1][1] == start) {
      merged[count - 1][1] = end;
    } else if (count < kSackScan) {
      merged[count][0] = start;
      merged[count][1] = end;
      ++count;
    }
  }
  uint32_t first = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (seq_leq(merged[i][0], last_ooo_seq_) && seq_lt(last_ooo_seq_, merged[i][1])) first = i;
  }
  out.sack[0][0] = merged[first][0];
  out.sack[0][1] = merged[first][1];
  out.sack_count = 1;
  for (uint32_t i = 0; i < count && out.sack_count < 4; ++i) {
    if (i == first) continue;
    out.sack[out.sack_count][0] = merged[i][0];
    out.sack[out.sack_count][1] = merged[i][1];
    ++out.sack_count;
  }
}

uint32_t TcpEndpoint::receive_window() const {
  return seq_gt(rcv_adv_, rcv_nxt_) ? rcv_adv_ - rcv_nxt_ : 0;
}

uint16_t TcpEndpoint::window_field() {
  // RFC 9293 §3.8.6.2.2 receiver SWS avoidance: move the right edge only when the window
  // would grow by min(RCV.BUFF / 2, Eff.snd.MSS); otherwise keep the edge where it is.
  const uint32_t free = receive_ring_.free_space();
  const uint32_t current = receive_window();
  const uint32_t largest = kMaxWindowField << rcv_scale_;
  uint32_t window = current;
  if (free > current && free - current >= std::min(config_.receive_buffer / 2, eff_mss_)) {
    window = std::min(free, largest) >> rcv_scale_ << rcv_scale_;
    if (seq_gt(rcv_nxt_ + window, rcv_adv_)) rcv_adv_ = rcv_nxt_ + window;
  }
  // Rounding down to the scale only ever shows the peer less than we accept.
  return static_cast<uint16_t>(std::min(window, largest) >> rcv_scale_);
}

void TcpEndpoint::send_syn(bool with_ack, uint64_t now_ns) {
  SegmentOut out;
  out.seq = iss_;
  out.flags = with_ack ? (tcp_flag::SYN | tcp_flag::ACK) : tcp_flag::SYN;
  const uint32_t window = std::min<uint32_t>(receive_ring_.free_space(), kMaxWindowField);
  out.window = static_cast<uint16_t>(window);  // RFC 7323 §2.2: never scaled on a SYN
  out.has_syn_options = true;
  if (with_ack) {
    out.ack = rcv_nxt_;
    out.syn_options = syn_ack_options(config_, peer_options_);
    rcv_adv_ = rcv_nxt_ + window;
  } else {
    out.syn_options.mss = config_.mss;
    out.syn_options.window_scale = static_cast<int8_t>(std::min<uint8_t>(config_.window_scale, 14));
    out.syn_options.sack_permitted = config_.sack_permitted;
  }
  if (syn_retransmits_ == 0 && !rtt_timing_) {  // Karn: only a SYN sent once is timed
    rtt_timing_ = true;
    rtt_seq_ = iss_;
    rtt_start_ns_ = now_ns;
  }
  emit(out);
  if (rto_deadline_ == kNoTimer) arm_rto(now_ns);
}

void TcpEndpoint::send_control(uint32_t seq, uint32_t ack, uint8_t flags) {
  SegmentOut out;
  out.seq = seq;
  out.ack = ack;
  out.flags = flags;
  if ((flags & tcp_flag::RST) == 0) out.window = window_field();
  emit(out);
}

// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, where the RFC's SND.NXT is our snd_max_: snd_nxt_
// goes back to SND.UNA after an RTO, and an ACK numbered below the peer's RCV.NXT would fail
// its acceptability test and be dropped unread (both sides doing so is an ACK war).
void TcpEndpoint::send_ack_now() { send_control(snd_max_, rcv_nxt_, tcp_flag::ACK); }

void TcpEndpoint::send_rst(uint32_t seq) { send_control(seq, 0, tcp_flag::RST); }

void TcpEndpoint::emit_data(uint32_t seq, uint32_t length, bool fin) {
  SegmentOut out;
  out.seq = seq;
  out.ack = rcv_nxt_;
  out.flags = fin ? (tcp_flag::ACK | tcp_flag::FIN) : tcp_flag::ACK;
  out.window = window_field();
  const RingSpan span = send_ring_.peek(seq - ring_seq_, length);
  out.payload[0] = span.first;
  out.payload[1] = span.second;
  emit(out);
}

void TcpEndpoint::send_data(uint32_t seq, uint32_t length, bool fin, uint64_t now_ns) {
  const uint32_t end = seq + length + (fin ? 1 : 0);
  if (seq_lt(seq, snd_max_)) {
    ++counters_.retransmits;
    rtt_timing_ = false;  // Karn's algorithm
  } else if (!rtt_timing_) {
    rtt_timing_ = true;
    rtt_seq_ = seq;
    rtt_start_ns_ = now_ns;
  }
  if (seq_gt(seq + length, snd_max_)) counters_.bytes_out += seq + length - (seq_gt(seq, snd_max_) ? seq : snd_max_);
  emit_data(seq, length, fin);
  if (seq_gt(end, snd_max_)) snd_max_ = end;
  if (rto_deadline_ == kNoTimer) arm_rto(now_ns);  // RFC 6298 5.1
}

bool TcpEndpoint::can_send_data() const {
  switch (state_) {
    case TcpState::Established:
    case TcpState::CloseWait:
    case TcpState::FinWait1:
    case TcpState::Closing:
    case TcpState::LastAck:
      return true;
    default:
      return false;
  }
}

void TcpEndpoint::transmit(uint64_t now_ns) {
  for (;;) {
    const uint32_t end = queue_end();
    const uint32_t available = seq_lt(snd_nxt_, end) ? end - snd_nxt_ : 0;
    const bool fin_due = fin_pending();
    if (available == 0 && !fin_due) break;
    // RFC 5681 §3.1: no more than min(cwnd, rwnd) outstanding.
    const uint32_t flight = snd_nxt_ - snd_una_;
    const uint32_t limit = std::min(snd_wnd_, cc_.cwnd());
    const uint32_t usable = limit > flight ? limit - flight : 0;
    const uint32_t length = std::min({available, eff_mss_, usable});
    if (length == 0 && available > 0) break;
    // The FIN rides on the segment that empties the queue, when the peer's window has room.
    const bool fin = fin_due && snd_nxt_ + length == fin_seq_ && seq_diff(snd_una_ + snd_wnd_, fin_seq_) > 0;
    if (length == 0 && !fin) break;
    send_data(snd_nxt_, length, fin, now_ns);
    snd_nxt_ += length + (fin ? 1 : 0);
    if (fin) break;
  }
  // Persist (§3.8.6.1): a zero window with data waiting and nothing in flight.
  const bool waiting = seq_lt(snd_nxt_, queue_end()) || fin_pending();
  if (snd_wnd_ == 0 && waiting && snd_una_ == snd_max_) {
    if (persist_deadline_ == kNoTimer) {
      if (persist_backoff_ns_ == 0) persist_backoff_ns_ = rtt_.rto_ns();
      persist_deadline_ = now_ns + persist_backoff_ns_;
    }
  } else if (snd_wnd_ > 0) {
    persist_deadline_ = kNoTimer;
    persist_backoff_ns_ = 0;
  }
}

void TcpEndpoint::retransmit_first(uint64_t now_ns) {
  const uint32_t end = queue_end();
  const uint32_t available = seq_lt(snd_una_, end) ? end - snd_una_ : 0;
  const uint32_t length = std::min(available, eff_mss_);
  const bool fin = fin_queued_ && snd_una_ + length == fin_seq_ && seq_gt(snd_max_, fin_seq_);
  if (length == 0 && !fin) return;
  ++counters_.retransmits;
  rtt_timing_ = false;
  emit_data(snd_una_, length, fin);
  arm_rto(now_ns);
}

void TcpEndpoint::flush(uint64_t now_ns) {
  if (can_send_data()) transmit(now_ns);
  if (pending_ack_ && state_ != TcpState::Closed && state_ != TcpState::SynSent) send_ack_now();
}

void TcpEndpoint::on_rto(uint64_t now_ns) {
  rto_deadline_ = kNoTimer;
  if (state_ == TcpState::SynSent || state_ == TcpState::SynReceived) {
    if (syn_retransmits_ >= config_.syn_retries) {
      finish(CloseReason::TimedOut);
      return;
    }
    ++syn_retransmits_;
    ++counters_.rto_expiries;
    ++counters_.retransmits;
    rtt_timing_ = false;
    rtt_.back_off();
    send_syn(state_ == TcpState::SynReceived, now_ns);
    return;
  }
  if (snd_una_ == snd_max_ || !can_send_data()) return;
  ++counters_.rto_expiries;
  if (++rto_expiries_in_row_ > config_.max_retransmits) {
    send_rst(snd_max_);
    finish(CloseReason::TimedOut);
    return;
  }
  cc_.on_timeout(snd_max_ - snd_una_);  // FlightSize
  rtt_.back_off();
  rtt_timing_ = false;
  snd_nxt_ = snd_una_;  // go back: resend from the first unacknowledged byte
  transmit(now_ns);
  if (rto_deadline_ == kNoTimer) arm_rto(now_ns);
}

void TcpEndpoint::on_persist(uint64_t now_ns) {
  if (!can_send_data() || snd_wnd_ != 0 || snd_una_ != snd_max_) return;
  const uint32_t end = queue_end();
  if (seq_lt(snd_nxt_, end)) {
    emit_data(snd_nxt_, 1, false);  // one byte beyond the window (§3.8.6.1)
  } else if (fin_pending()) {
    emit_data(snd_nxt_, 0, true);
  } else {
    return;
  }
  ++counters_.zero_window_probes;
  probing_ = true;
  persist_backoff_ns_ = std::min(persist_backoff_ns_ * 2, uint64_t{config_.rto_max_ms} * kNsPerMs);
  persist_deadline_ = now_ns + persist_backoff_ns_;
}

void TcpEndpoint::on_timer(uint64_t now_ns) {
  if (close_deadline_ <= now_ns) {
    close_deadline_ = kNoTimer;
    if (state_ == TcpState::TimeWait) finish(CloseReason::Normal);
    else if (state_ == TcpState::FinWait2) finish(CloseReason::TimedOut);
  }
  if (rto_deadline_ <= now_ns) on_rto(now_ns);
  if (persist_deadline_ <= now_ns) {
    persist_deadline_ = kNoTimer;
    on_persist(now_ns);
  }
}

uint64_t TcpEndpoint::next_timer_ns() const {
  return std::min({rto_deadline_, persist_deadline_, close_deadline_});
}

}  // namespace sluice::reassembly
