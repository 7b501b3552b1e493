// reassembly/tcp_endpoint_receive.cc — the receive side of TcpEndpoint (RFC 9293 §3.10.7.4
// seventh and eighth): in-order text into the receive ring, out-of-order text into the
// OooStore, trimming to the receive window, and the peer's FIN once everything before it
// has arrived.
#include <algorithm>

#include "reassembly/seq.h"
#include "reassembly/tcp_endpoint.h"

namespace sluice::reassembly {

void TcpEndpoint::process_text(const TcpSegment& segment, uint64_t now_ns) {
  if (state_ != TcpState::Established && state_ != TcpState::FinWait1 && state_ != TcpState::FinWait2) {
    return;  // the peer's FIN was already received: later text is ignored (§3.10.7.4 seventh)
  }
  const bool fin = segment.has(tcp_flag::FIN);
  if (segment.payload.empty() && !fin) return;
  std::string_view data = segment.payload;
  uint32_t seq = segment.seq;
  const uint32_t fin_seq = segment.seq + static_cast<uint32_t>(data.size());
  if (seq_lt(seq, rcv_nxt_)) {  // already received: keep what is new
    const uint32_t skip = std::min<uint32_t>(rcv_nxt_ - seq, static_cast<uint32_t>(data.size()));
    data.remove_prefix(skip);
    seq += skip;
  }
  bool fin_kept = fin;
  const uint32_t edge = rcv_nxt_ + receive_window();
  if (!data.empty() && seq_gt(seq + static_cast<uint32_t>(data.size()), edge)) {  // beyond the window: trim
    data = data.substr(0, seq_gt(edge, seq) ? edge - seq : 0);
    fin_kept = false;
  }
  if (fin_kept && !peer_fin_seen_) {
    peer_fin_seen_ = true;
    peer_fin_seq_ = fin_seq;
  }
  if (!data.empty()) {
    if (seq == rcv_nxt_) {
      deliver_in_order(data);
      drain_ooo();
      pending_ack_ = true;
    } else {
      const OooInsertResult result = ooo_.insert(seq, data);
      last_ooo_seq_ = seq;
      ++counters_.out_of_order;
      if (result.new_bytes == 0 && !result.dropped) ++counters_.duplicates;
      send_ack_now();  // RFC 5681 §4.2: duplicate ACK at once, for fast retransmit
    }
  }
  if (peer_fin_seen_ && !fin_received_) {
    if (rcv_nxt_ == peer_fin_seq_) {
      process_fin(now_ns);
    } else if (fin_kept && data.empty()) {
      send_ack_now();  // a FIN beyond a hole
    }
  }
}

void TcpEndpoint::deliver_in_order(std::string_view bytes) {
  const uint32_t n = receive_ring_.push(bytes);  // fits: the window never exceeds the free space
  rcv_nxt_ += n;
  counters_.bytes_in += n;
}

void TcpEndpoint::drain_ooo() {
  while (!ooo_.empty() && seq_leq(ooo_.first_seq(), rcv_nxt_)) {
    const uint32_t first = ooo_.first_seq();
    const std::string_view bytes = ooo_.front_bytes();
    if (seq_gt(first + static_cast<uint32_t>(bytes.size()), rcv_nxt_)) deliver_in_order(bytes.substr(rcv_nxt_ - first));
    ooo_.pop_front();
  }
}

void TcpEndpoint::process_fin(uint64_t now_ns) {
  // §3.10.7.4 eighth: the FIN is in order; acknowledge it.
  rcv_nxt_ += 1;
  fin_received_ = true;
  pending_ack_ = true;
  ooo_.clear();
  switch (state_) {
    case TcpState::Established:
      state_ = TcpState::CloseWait;
      break;
    case TcpState::FinWait1:
      if (fin_queued_ && seq_gt(snd_una_, fin_seq_)) {
        enter_time_wait(now_ns);
      } else {
        state_ = TcpState::Closing;  // simultaneous close
      }
      break;
    case TcpState::FinWait2:
      enter_time_wait(now_ns);
      break;
    default:
      break;
  }
}

}  // namespace sluice::reassembly
