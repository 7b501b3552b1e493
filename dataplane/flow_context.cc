#include "dataplane/flow_context.h"

namespace sluice::dataplane {

using reassembly::Direction;

FlowContext::FlowContext(const reassembly::ReassemblyLimits& limits, const scan::InspectorContext& inspector)
    : tcp_(limits, *this), session_(inspector) {}

void FlowContext::start(const FlowKey& key, bool client_is_a, const scan::FlowTuple& tuple, uint64_t now_ns) {
  key_ = key;
  client_is_a_ = client_is_a;
  last_seen_ns_ = now_ns;
  overlap_conflicts_seen_ = 0;
  midstream_noted_ = false;
  tcp_.reset();
  session_.start(tuple);
}

void FlowContext::on_packet(bool sender_is_a, const reassembly::TcpSegment& segment, uint64_t now_ns) {
  last_seen_ns_ = now_ns;
  const bool from_client = sender_is_a == client_is_a_;
  tcp_.on_segment(from_client ? Direction::ClientToServer : Direction::ServerToClient, segment);
  note_transport_anomalies();
}

// Two counter reads per packet; the session hears of an anomaly once, when it first shows.
void FlowContext::note_transport_anomalies() {
  const uint64_t conflicts = tcp_.counters(Direction::ClientToServer).overlap_conflicts +
                             tcp_.counters(Direction::ServerToClient).overlap_conflicts;
  if (conflicts != overlap_conflicts_seen_) {
    overlap_conflicts_seen_ = conflicts;
    session_.note_transport_flag("tcp_overlap_conflict");
  }
  if (!midstream_noted_ && tcp_.midstream()) {
    midstream_noted_ = true;
    session_.note_transport_flag("tcp_midstream");
  }
}

void FlowContext::on_stream_data(Direction direction, std::string_view bytes) {
  if (direction == Direction::ClientToServer) {
    session_.client_bytes(bytes);
  } else {
    session_.server_bytes(bytes);
  }
}

void FlowContext::on_stream_gap(Direction direction, uint32_t missing_bytes) {
  if (direction == Direction::ClientToServer) {
    session_.client_gap(missing_bytes);
  } else {
    session_.server_gap(missing_bytes);
  }
}

void FlowContext::on_stream_close(reassembly::CloseReason) { session_.close(); }

}  // namespace sluice::dataplane
