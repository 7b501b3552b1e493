// reassembly/passive_tcp_flow.cc — SYN, RST, ACK and FIN handling for a passive flow.
#include "reassembly/passive_tcp_flow.h"

#include <algorithm>

#include "reassembly/seq.h"

namespace sluice::reassembly {
namespace {

// Keeps every sequence comparison far from the 2^31 ambiguity of seq.h.
constexpr uint32_t kLargestSafeWindow = 1u << 30;

ReassemblyLimits sanitized(const ReassemblyLimits& limits) {
  ReassemblyLimits safe = limits;
  safe.max_window_ahead = std::min(safe.max_window_ahead, kLargestSafeWindow);
  return safe;
}

size_t index_of(Direction direction) { return static_cast<size_t>(direction); }

}  // namespace

PassiveTcpFlow::PassiveTcpFlow(const ReassemblyLimits& limits, StreamSink& sink)
    : limits_(sanitized(limits)),
      sink_(sink),
      streams_{{ReceiveStream(Direction::ClientToServer, limits_, sink),
                ReceiveStream(Direction::ServerToClient, limits_, sink)}} {}

void PassiveTcpFlow::reset() {
  for (ReceiveStream& rx : streams_) rx.reset();
  state_ = FlowState::New;
  close_reason_ = CloseReason::None;
}

void PassiveTcpFlow::on_segment(Direction direction, const TcpSegment& segment) {
  ReceiveStream& rx = stream(direction);
  ReceiveStream& peer = stream(opposite(direction));
  ++rx.counters().segments;
  if (state_ == FlowState::Closed) {
    // A late pure ACK or FIN retransmission is normal after close; data or a SYN is not.
    if (!segment.payload.empty() || segment.has(tcp_flag::SYN)) ++rx.counters().bogus;
    return;
  }
  if (segment.has(tcp_flag::RST)) {
    handle_reset(rx, peer, segment);
    return;
  }
  if (segment.payload.size() > limits_.max_window_ahead) {
    ++rx.counters().bogus;
    return;
  }
  if (segment.has(tcp_flag::SYN)) {
    if (!start_from_syn(rx, segment)) return;
  } else if (!rx.started()) {
    rx.start_at(segment.seq, /*from_syn=*/false);  // mid-stream pick-up
  }
  // The SYN occupies the sequence number before the first data byte (RFC 9293 §3.4).
  const uint32_t data_seq = segment.seq + (segment.has(tcp_flag::SYN) ? 1 : 0);
  const int64_t distance = seq_diff(data_seq, rx.next());
  const int64_t window = limits_.max_window_ahead;
  if (distance > window || -distance > window) {
    ++rx.counters().bogus;
    return;
  }
  // ACK first: the peer's bytes it acknowledges were sent before this segment.
  if (segment.has(tcp_flag::ACK)) handle_ack(rx, peer, segment);
  rx.accept_data(data_seq, segment.payload);
  if (segment.has(tcp_flag::FIN)) {
    rx.accept_fin(data_seq + static_cast<uint32_t>(segment.payload.size()));
  }
  update_state();
}

void PassiveTcpFlow::close(CloseReason reason) {
  if (state_ == FlowState::Closed) return;
  for (ReceiveStream& rx : streams_) rx.flush_with_gaps();
  finish(reason == CloseReason::None ? CloseReason::EndOfInput : reason);
}

bool PassiveTcpFlow::midstream() const {
  return std::any_of(streams_.begin(), streams_.end(), [](const ReceiveStream& rx) {
    return rx.started() && !rx.syn_seen();
  });
}

const StreamCounters& PassiveTcpFlow::counters(Direction direction) const {
  return streams_[index_of(direction)].counters();
}

ReceiveStream& PassiveTcpFlow::stream(Direction direction) {
  return streams_[index_of(direction)];
}

// A retransmitted SYN, or the SYN of a direction first seen through the peer's ACK, must
// agree with where the stream already starts; any other ISN is not this connection's.
bool PassiveTcpFlow::start_from_syn(ReceiveStream& rx, const TcpSegment& segment) {
  const uint32_t first_data_seq = segment.seq + 1;
  if (!rx.started()) {
    rx.start_at(first_data_seq, /*from_syn=*/true);
    return true;
  }
  if (first_data_seq != rx.initial_data_seq()) {
    ++rx.counters().bogus;
    return false;
  }
  rx.mark_syn_seen();
  return true;
}

// RFC 9293 §3.10.7.4: an RST is valid when its sequence number is in the window (RFC 5961
// narrows this for live endpoints; a passive observer cannot send challenge ACKs). For a
// direction never seen, use the SYN-SENT rule (§3.10.7.3): the RST must ACK our SYN.
void PassiveTcpFlow::handle_reset(ReceiveStream& rx, const ReceiveStream& peer,
                                  const TcpSegment& segment) {
  const bool acceptable =
      rx.started() ? in_window(segment.seq, rx.next(), limits_.max_window_ahead)
                   : segment.has(tcp_flag::ACK) && peer.started() && segment.ack == peer.next();
  if (!acceptable) {
    ++rx.counters().bogus;
    return;
  }
  for (ReceiveStream& each : streams_) each.discard_queued();
  finish(CloseReason::Rst);
}

void PassiveTcpFlow::handle_ack(ReceiveStream& rx, ReceiveStream& peer, const TcpSegment& segment) {
  if (!peer.started()) {
    // The peer's SYN (or its first bytes) were not captured, but this ACK says exactly
    // where its stream stands.
    peer.start_at(segment.ack, /*from_syn=*/false);
    return;
  }
  const int32_t acked_ahead = seq_diff(segment.ack, peer.next());
  if (acked_ahead <= 0) return;  // old or duplicate ACKs are normal
  if (static_cast<uint32_t>(acked_ahead) > limits_.max_window_ahead) {
    ++rx.counters().bogus;
    return;
  }
  peer.declare_acked_gap(segment.ack);
}

// States only move forward; Closed is entered through finish() alone.
void PassiveTcpFlow::update_state() {
  const ReceiveStream& client = streams_[index_of(Direction::ClientToServer)];
  const ReceiveStream& server = streams_[index_of(Direction::ServerToClient)];
  if (client.finished() && server.finished()) {
    finish(CloseReason::Fin);
    return;
  }
  FlowState reached = FlowState::New;
  if (client.finished() || server.finished()) {
    reached = FlowState::Closing;
  } else if ((client.started() && server.started()) || midstream()) {
    reached = FlowState::Established;
  } else if (client.started() || server.started()) {
    reached = FlowState::SynSeen;
  }
  state_ = std::max(state_, reached);
}

void PassiveTcpFlow::finish(CloseReason reason) {
  state_ = FlowState::Closed;
  close_reason_ = reason;
  sink_.on_stream_close(reason);
}

}  // namespace sluice::reassembly
