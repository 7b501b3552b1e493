// reassembly/tcp_endpoint.cc — opening, closing and segment arrival (RFC 9293 §3.10).
// Received text and FIN are in tcp_endpoint_receive.cc; transmission and timers in
// tcp_endpoint_output.cc.
#include "reassembly/tcp_endpoint.h"

#include <algorithm>

#include "reassembly/seq.h"

namespace sluice::reassembly {
namespace {

constexpr uint64_t kNsPerMs = 1'000'000;
constexpr uint8_t kMaxShift = 14;  // RFC 7323 §2.3

}  // namespace

const char* tcp_state_name(TcpState state) {
  switch (state) {
    case TcpState::Closed: return "CLOSED";
    case TcpState::SynSent: return "SYN-SENT";
    case TcpState::SynReceived: return "SYN-RECEIVED";
    case TcpState::Established: return "ESTABLISHED";
    case TcpState::FinWait1: return "FIN-WAIT-1";
    case TcpState::FinWait2: return "FIN-WAIT-2";
    case TcpState::CloseWait: return "CLOSE-WAIT";
    case TcpState::Closing: return "CLOSING";
    case TcpState::LastAck: return "LAST-ACK";
    case TcpState::TimeWait: return "TIME-WAIT";
  }
  return "unknown";
}

const char* endpoint_close_reason_name(EndpointCloseReason reason) {
  switch (reason) {
    case EndpointCloseReason::None: return "none";
    case EndpointCloseReason::Normal: return "normal";
    case EndpointCloseReason::ResetByPeer: return "reset_by_peer";
    case EndpointCloseReason::Refused: return "refused";
    case EndpointCloseReason::TimedOut: return "timed_out";
    case EndpointCloseReason::Aborted: return "aborted";
  }
  return "unknown";
}

TcpEndpoint::TcpEndpoint(const TcpEndpointConfig& config)
    : config_(config),
      send_ring_(config.send_buffer, config.initial_buffer),
      receive_ring_(config.receive_buffer, config.initial_buffer),
      ooo_(config.ooo_bytes, config.ooo_segments, config.initial_buffer),
      rtt_(uint64_t{config.rto_initial_ms} * kNsPerMs, uint64_t{config.rto_min_ms} * kNsPerMs,
           uint64_t{config.rto_max_ms} * kNsPerMs) {
  reset();
}

void TcpEndpoint::reset() {
  // A pooled endpoint keeps only its initial-size buffers between connections: what one large message grew
  // them to goes back to the allocator instead of staying with an idle slot (issue 7: memory per session).
  send_ring_.clear();
  send_ring_.trim();
  receive_ring_.clear();
  receive_ring_.trim();
  ooo_.clear();
  ooo_.trim();
  rtt_.reset();
  cc_.reset(config_.mss);
  state_ = TcpState::Closed;
  close_reason_ = CloseReason::None;
  counters_ = {};
  iss_ = snd_una_ = snd_nxt_ = snd_wnd_ = snd_wl1_ = snd_wl2_ = snd_max_ = max_snd_wnd_ = 0;
  ring_seq_ = fin_seq_ = 0;
  fin_queued_ = close_requested_ = false;
  irs_ = rcv_nxt_ = rcv_adv_ = peer_fin_seq_ = 0;
  peer_fin_seen_ = fin_received_ = false;
  peer_options_ = {};
  peer_syn_window_ = 0;
  eff_mss_ = 536;
  snd_scale_ = rcv_scale_ = 0;
  sack_ok_ = have_peer_syn_ = false;
  pending_ack_ = probing_ = false;
  rtt_timing_ = false;
  rtt_seq_ = 0;
  rtt_start_ns_ = 0;
  rto_deadline_ = persist_deadline_ = close_deadline_ = kNoTimer;
  rto_expiries_in_row_ = syn_retransmits_ = 0;
  persist_backoff_ns_ = 0;
}

TcpSynOptions TcpEndpoint::syn_ack_options(const TcpEndpointConfig& config, const TcpSynOptions& peer) {
  TcpSynOptions ours;
  ours.mss = config.mss;
  // RFC 7323 §1.3 and RFC 2018: a SYN-ACK carries WS / SACK-permitted only if the SYN did.
  ours.window_scale = peer.window_scale >= 0 ? static_cast<int8_t>(std::min(config.window_scale, kMaxShift)) : -1;
  ours.sack_permitted = peer.sack_permitted && config.sack_permitted;
  return ours;
}

void TcpEndpoint::negotiate(const TcpSynOptions& peer) {
  peer_options_ = peer;
  eff_mss_ = std::max<uint32_t>(std::min(config_.mss, peer.mss), config_.min_mss);
  // RFC 7323 §2.2: scaling is on only when both sides sent the option.
  const bool scaling = peer.window_scale >= 0;
  snd_scale_ = scaling ? static_cast<uint8_t>(peer.window_scale) : 0;
  rcv_scale_ = scaling ? std::min(config_.window_scale, kMaxShift) : 0;
  sack_ok_ = peer.sack_permitted && config_.sack_permitted;
  cc_.reset(eff_mss_);
}

void TcpEndpoint::connect(uint32_t iss, uint64_t now_ns) {
  if (state_ != TcpState::Closed || have_peer_syn_) return;
  iss_ = snd_una_ = iss;
  snd_nxt_ = snd_max_ = ring_seq_ = iss + 1;
  state_ = TcpState::SynSent;
  send_syn(false, now_ns);
}

void TcpEndpoint::receive_syn(const TcpSegment& syn, const TcpSynOptions& options, uint32_t iss, uint64_t) {
  if (state_ != TcpState::Closed || have_peer_syn_) return;
  irs_ = syn.seq;
  rcv_nxt_ = irs_ + 1;
  iss_ = snd_una_ = snd_nxt_ = snd_max_ = iss;
  ring_seq_ = iss + 1;
  peer_syn_window_ = syn.window;
  negotiate(options);
  have_peer_syn_ = true;
}

void TcpEndpoint::accept(uint64_t now_ns) {
  if (state_ != TcpState::Closed || !have_peer_syn_) return;
  have_peer_syn_ = false;
  state_ = TcpState::SynReceived;
  snd_nxt_ = snd_max_ = iss_ + 1;
  snd_wnd_ = max_snd_wnd_ = peer_syn_window_;  // RFC 7323 §2.2: the SYN's window is never scaled
  snd_wl1_ = irs_;
  snd_wl2_ = iss_;
  send_syn(true, now_ns);
}

void TcpEndpoint::open_established(uint32_t iss, uint32_t irs, const TcpSynOptions& peer, uint16_t peer_window,
                                   uint64_t) {
  if (state_ != TcpState::Closed || have_peer_syn_) return;
  iss_ = iss;
  snd_una_ = snd_nxt_ = snd_max_ = ring_seq_ = iss + 1;
  irs_ = irs;
  rcv_nxt_ = irs + 1;
  negotiate(peer);
  snd_wnd_ = max_snd_wnd_ = uint32_t{peer_window} << snd_scale_;
  snd_wl1_ = rcv_nxt_;
  snd_wl2_ = snd_una_;
  // The stateless SYN-ACK advertised an unscaled window of (at most) our whole buffer.
  rcv_adv_ = rcv_nxt_ + std::min<uint32_t>(receive_ring_.free_space(), 0xFFFF);
  state_ = TcpState::Established;
}

uint32_t TcpEndpoint::writable() const {
  if (fin_queued_ || close_requested_) return 0;
  switch (state_) {
    case TcpState::SynSent:
    case TcpState::SynReceived:
    case TcpState::Established:
    case TcpState::CloseWait:
      return send_ring_.free_space();
    default:
      return 0;
  }
}

uint32_t TcpEndpoint::write(std::string_view bytes) {
  if (writable() == 0) return 0;
  return send_ring_.push(bytes);
}

void TcpEndpoint::consume(uint32_t n) {
  receive_ring_.pop(n);
  if (state_ == TcpState::Closed || state_ == TcpState::SynSent || fin_received_) return;
  // RFC 9293 §3.8.6.2.2: announce the larger window only once it grew by
  // min(RCV.BUFF / 2, Eff.snd.MSS); smaller updates would invite silly windows.
  const uint32_t free = receive_ring_.free_space(), current = receive_window();
  if (free > current && free - current >= std::min(config_.receive_buffer / 2, eff_mss_)) pending_ack_ = true;
}

void TcpEndpoint::close(uint64_t) {
  switch (state_) {
    case TcpState::Closed:
      if (have_peer_syn_) finish(CloseReason::Normal);
      break;
    case TcpState::SynSent:
      finish(CloseReason::Normal);  // nothing was synchronized: just forget it
      break;
    case TcpState::SynReceived:
      close_requested_ = true;  // §3.10.4: the FIN waits for ESTABLISHED
      break;
    case TcpState::Established:
      fin_queued_ = true;
      fin_seq_ = queue_end();
      state_ = TcpState::FinWait1;
      break;
    case TcpState::CloseWait:
      fin_queued_ = true;
      fin_seq_ = queue_end();
      state_ = TcpState::LastAck;
      break;
    default:
      break;  // already closing
  }
}

void TcpEndpoint::abort(uint64_t) {
  switch (state_) {
    case TcpState::SynReceived:
    case TcpState::Established:
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::CloseWait:
      send_rst(snd_max_);  // §3.10.5: <SEQ=SND.NXT><CTL=RST> (snd_max_ is the RFC's SND.NXT)
      break;
    default:
      break;
  }
  if (state_ != TcpState::Closed || have_peer_syn_) finish(CloseReason::Aborted);
}

void TcpEndpoint::finish(CloseReason reason) {
  state_ = TcpState::Closed;
  close_reason_ = reason;
  have_peer_syn_ = false;
  pending_ack_ = probing_ = false;
  rtt_timing_ = false;
  rto_deadline_ = persist_deadline_ = close_deadline_ = kNoTimer;
}

void TcpEndpoint::enter_established(uint64_t now_ns) {
  state_ = TcpState::Established;
  if (close_requested_) {
    close_requested_ = false;
    close(now_ns);
  }
}

void TcpEndpoint::enter_time_wait(uint64_t now_ns) {
  state_ = TcpState::TimeWait;
  rto_deadline_ = persist_deadline_ = kNoTimer;
  close_deadline_ = now_ns + uint64_t{config_.time_wait_ms} * kNsPerMs;
}

// ---- segment arrival ----------------------------------------------------------------

void TcpEndpoint::on_segment(const TcpSegment& segment, const TcpSynOptions* syn_options, uint64_t now_ns) {
  ++counters_.segments_in;
  if (state_ == TcpState::Closed) {
    if (have_peer_syn_) {  // waiting for accept(): a retransmitted SYN is expected
      if (segment.has(tcp_flag::RST) && segment.seq == irs_ + 1) finish(CloseReason::ResetByPeer);
      return;
    }
    // §3.10.7.1: anything but a RST is answered with a RST.
    ++counters_.bad_segments;
    if (segment.has(tcp_flag::RST)) return;
    if (segment.has(tcp_flag::ACK)) {
      send_rst(segment.ack);
    } else {
      const uint32_t length = static_cast<uint32_t>(segment.payload.size()) + segment.has(tcp_flag::SYN) +
                              segment.has(tcp_flag::FIN);
      send_control(0, segment.seq + length, tcp_flag::RST | tcp_flag::ACK);
    }
    return;
  }
  if (state_ == TcpState::SynSent) {
    on_segment_syn_sent(segment, syn_options, now_ns);
    return;
  }
  // SYN-RECEIVED: the peer did not see our SYN-ACK and sent its SYN again.
  if (state_ == TcpState::SynReceived && segment.has(tcp_flag::SYN) && !segment.has(tcp_flag::ACK) &&
      segment.seq == irs_) {
    ++counters_.retransmits;
    rtt_timing_ = false;
    send_syn(true, now_ns);
    return;
  }

  // §3.10.7.4 first: the sequence number.
  if (!acceptable(segment)) {
    if (segment.has(tcp_flag::RST)) {
      ++counters_.bad_segments;
      return;
    }
    const uint32_t length = static_cast<uint32_t>(segment.payload.size()) + segment.has(tcp_flag::SYN) +
                            segment.has(tcp_flag::FIN);
    const bool old = length > 0 && seq_leq(segment.seq + length, rcv_nxt_);
    const bool probe = receive_window() == 0 && segment.seq == rcv_nxt_;
    if (old) {
      ++counters_.duplicates;
    } else if (!probe) {
      ++counters_.bad_segments;
    }
    // "special allowance should be made to accept valid ACKs ... and RSTs" at a zero window.
    if (probe && segment.has(tcp_flag::ACK) && !segment.has(tcp_flag::SYN) && !process_ack(segment, now_ns)) return;
    if (state_ == TcpState::TimeWait && segment.has(tcp_flag::FIN)) enter_time_wait(now_ns);  // §3.10.7.4: restart 2 MSL
    send_ack_now();
    return;
  }
  // Second: RST (RFC 5961 §3.2).
  if (segment.has(tcp_flag::RST)) {
    if (segment.seq != rcv_nxt_) {
      ++counters_.bad_segments;
      send_ack_now();  // challenge ACK
      return;
    }
    if (state_ == TcpState::TimeWait) return;  // RFC 1337: no TIME-WAIT assassination
    finish(CloseReason::ResetByPeer);
    return;
  }
  // Fourth: SYN in a synchronized state (RFC 5961 §4): challenge ACK, drop.
  if (segment.has(tcp_flag::SYN)) {
    ++counters_.bad_segments;
    send_ack_now();
    return;
  }
  // Fifth: ACK.
  if (!segment.has(tcp_flag::ACK)) {
    ++counters_.bad_segments;
    return;
  }
  if (!process_ack(segment, now_ns)) return;
  // Seventh and eighth: text and FIN.
  process_text(segment, now_ns);
  if (state_ == TcpState::FinWait2)  // the FIN-WAIT-2 bound counts idle time
    close_deadline_ = now_ns + uint64_t{config_.fin_wait2_ms} * kNsPerMs;
}

void TcpEndpoint::on_segment_syn_sent(const TcpSegment& segment, const TcpSynOptions* options, uint64_t now_ns) {
  // §3.10.7.3 first: the ACK must acknowledge our SYN.
  if (segment.has(tcp_flag::ACK) && (seq_leq(segment.ack, iss_) || seq_gt(segment.ack, snd_max_))) {
    ++counters_.bad_segments;
    if (!segment.has(tcp_flag::RST)) send_rst(segment.ack);
    return;
  }
  if (segment.has(tcp_flag::RST)) {
    if (segment.has(tcp_flag::ACK)) {
      finish(CloseReason::Refused);
    } else {
      ++counters_.bad_segments;
    }
    return;
  }
  if (!segment.has(tcp_flag::SYN)) {
    ++counters_.bad_segments;
    return;
  }
  irs_ = segment.seq;
  rcv_nxt_ = irs_ + 1;
  negotiate(options ? *options : TcpSynOptions{});
  // What our SYN announced: an unscaled window.
  rcv_adv_ = rcv_nxt_ + std::min<uint32_t>(receive_ring_.free_space(), 0xFFFF);
  snd_wnd_ = max_snd_wnd_ = segment.window;  // never scaled on a SYN
  snd_wl1_ = segment.seq;
  snd_wl2_ = segment.ack;
  if (!segment.has(tcp_flag::ACK)) {  // simultaneous open
    state_ = TcpState::SynReceived;
    send_syn(true, now_ns);
    return;
  }
  if (rtt_timing_) rtt_.sample(now_ns - rtt_start_ns_);
  rtt_timing_ = false;
  snd_una_ = segment.ack;
  rto_deadline_ = kNoTimer;
  syn_retransmits_ = 0;
  pending_ack_ = true;
  enter_established(now_ns);
  // Data (and FIN) riding on the SYN-ACK start one past it.
  TcpSegment rest = segment;
  rest.seq = segment.seq + 1;
  process_text(rest, now_ns);
}

bool TcpEndpoint::acceptable(const TcpSegment& segment) const {
  // §3.10.7.4, the four cases of SEG.LEN and RCV.WND.
  const uint32_t length = static_cast<uint32_t>(segment.payload.size()) + segment.has(tcp_flag::SYN) +
                          segment.has(tcp_flag::FIN);
  const uint32_t window = receive_window();
  if (length == 0) return window == 0 ? segment.seq == rcv_nxt_ : in_window(segment.seq, rcv_nxt_, window);
  if (window == 0) return false;
  return in_window(segment.seq, rcv_nxt_, window) || in_window(segment.seq + length - 1, rcv_nxt_, window);
}

bool TcpEndpoint::process_ack(const TcpSegment& segment, uint64_t now_ns) {
  const uint32_t ack = segment.ack;
  if (state_ == TcpState::SynReceived) {
    if (!(seq_lt(snd_una_, ack) && seq_leq(ack, snd_max_))) {
      ++counters_.bad_segments;
      send_rst(ack);  // §3.10.7.4: <SEQ=SEG.ACK><CTL=RST>
      return false;
    }
    if (rtt_timing_ && seq_gt(ack, rtt_seq_)) rtt_.sample(now_ns - rtt_start_ns_);
    rtt_timing_ = false;
    snd_una_ = ack;
    rto_deadline_ = kNoTimer;
    syn_retransmits_ = 0;
    snd_wnd_ = uint32_t{segment.window} << snd_scale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = segment.seq;
    snd_wl2_ = ack;
    enter_established(now_ns);
    return true;
  }
  // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT]; a zero-window
  // probe we sent may be acknowledged one past SND.NXT.
  const uint32_t highest = snd_max_ + (probing_ ? 1 : 0);
  if (seq_gt(ack, highest) || seq_lt(ack, snd_una_ - max_snd_wnd_)) {
    ++counters_.bad_segments;
    send_ack_now();
    return false;
  }
  const uint32_t window = uint32_t{segment.window} << snd_scale_;
  if (seq_gt(ack, snd_una_)) {
    on_new_ack(ack, now_ns);
  } else if (ack == snd_una_ && segment.payload.empty() && !segment.has(tcp_flag::FIN) && window == snd_wnd_ &&
             snd_max_ != snd_una_) {
    // RFC 5681 §2 duplicate ACK.
    if (cc_.on_dup_ack(snd_max_ - snd_una_, snd_max_)) {
      ++counters_.fast_retransmits;
      retransmit_first(now_ns);
    }
  }
  if (seq_geq(ack, snd_una_)) update_send_window(segment);

  const bool fin_acked = fin_queued_ && seq_gt(snd_una_, fin_seq_);
  switch (state_) {
    case TcpState::FinWait1:
      if (fin_acked) {
        state_ = TcpState::FinWait2;
        close_deadline_ = now_ns + uint64_t{config_.fin_wait2_ms} * kNsPerMs;
      }
      break;
    case TcpState::Closing:
      if (fin_acked) enter_time_wait(now_ns);
      break;
    case TcpState::LastAck:
      if (fin_acked) {
        finish(CloseReason::Normal);
        return false;
      }
      break;
    default:
      break;
  }
  return true;
}

void TcpEndpoint::on_new_ack(uint32_t ack, uint64_t now_ns) {
  const uint32_t acked = ack - snd_una_;
  if (rtt_timing_ && seq_gt(ack, rtt_seq_)) {  // Karn: timing was cancelled by any retransmission
    rtt_.sample(now_ns - rtt_start_ns_);
    rtt_timing_ = false;
  }
  // Release acknowledged bytes; SYN and FIN occupy sequence space but not the ring.
  const uint32_t data_acked_to = fin_queued_ && seq_gt(ack, fin_seq_) ? fin_seq_ : ack;
  if (seq_gt(data_acked_to, ring_seq_)) {
    const uint32_t n = std::min(data_acked_to - ring_seq_, send_ring_.size());
    send_ring_.pop(n);
    ring_seq_ += n;
  }
  snd_una_ = ack;
  if (seq_lt(snd_nxt_, snd_una_)) snd_nxt_ = snd_una_;
  if (seq_lt(snd_max_, snd_una_)) snd_max_ = snd_una_;  // an accepted zero-window probe
  probing_ = false;
  rto_expiries_in_row_ = 0;
  rtt_.on_progress();
  const bool partial = cc_.on_new_ack(ack, acked);
  // RFC 6298 5.2 / 5.3.
  if (snd_una_ == snd_max_) {
    rto_deadline_ = kNoTimer;
  } else {
    arm_rto(now_ns);
  }
  if (partial) retransmit_first(now_ns);  // RFC 6582: the next hole
}

void TcpEndpoint::update_send_window(const TcpSegment& segment) {
  // §3.10.7.4: only a segment newer than the one that set the window may change it.
  if (seq_lt(snd_wl1_, segment.seq) || (snd_wl1_ == segment.seq && seq_leq(snd_wl2_, segment.ack))) {
    snd_wnd_ = uint32_t{segment.window} << snd_scale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = segment.seq;
    snd_wl2_ = segment.ack;
  }
}

}  // namespace sluice::reassembly
