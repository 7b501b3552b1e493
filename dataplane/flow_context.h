// dataplane/flow_context.h — everything one worker keeps for one TCP connection.
//
// Owns: the passive reassembler of both directions and the SMTP session inspector fed by it, plus the
// flow's place in the worker's idle list. Objects are pooled by the FlowTable and reused for new flows:
// storage (out-of-order buffers, parser buffers) is allocated once per pooled object, never per packet.
#pragma once

#include <cstdint>

#include "dataplane/flow_key.h"
#include "reassembly/passive_tcp_flow.h"
#include "scan/inspector/session_inspector.h"

namespace sluice::dataplane {

class FlowContext final : private reassembly::StreamSink {
 public:
  FlowContext(const reassembly::ReassemblyLimits&, const scan::InspectorContext&);

  // `client_is_a`: which endpoint of the canonical key opened (or, mid-stream, is taken to have opened)
  // the connection.
  void start(const FlowKey&, bool client_is_a, const scan::FlowTuple&, uint64_t now_ns);
  void on_packet(bool sender_is_a, const reassembly::TcpSegment&, uint64_t now_ns);
  void close(reassembly::CloseReason reason) { tcp_.close(reason); }
  bool closed() const { return tcp_.state() == reassembly::FlowState::Closed; }

  const FlowKey& key() const { return key_; }
  uint64_t last_seen_ns() const { return last_seen_ns_; }
  const reassembly::PassiveTcpFlow& tcp() const { return tcp_; }
  uint32_t messages() const { return session_.messages(); }

  // Intrusive idle list (most recently seen at the head), maintained by the FlowTable.
  FlowContext* newer = nullptr;
  FlowContext* older = nullptr;

 private:
  void on_stream_data(reassembly::Direction, std::string_view bytes) override;
  void on_stream_gap(reassembly::Direction, uint32_t missing_bytes) override;
  void on_stream_close(reassembly::CloseReason) override;
  void note_transport_anomalies();

  FlowKey key_{};
  bool client_is_a_ = true;
  uint64_t last_seen_ns_ = 0;
  uint64_t overlap_conflicts_seen_ = 0;   // both directions, as last noted to the session
  bool midstream_noted_ = false;
  reassembly::PassiveTcpFlow tcp_;
  scan::SessionInspector session_;
};

}  // namespace sluice::dataplane
