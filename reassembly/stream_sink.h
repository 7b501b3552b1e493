// reassembly/stream_sink.h — the narrow interface between reassembly and its consumer.
//
// Owns: StreamSink (where in-order bytes, gaps and the close go) and CloseReason.
// Like an Envoy network filter, the consumer sees only bytes and edges, never segments.
// May call: nothing.
#pragma once

#include <cstdint>
#include <string_view>

#include "reassembly/tcp_segment.h"

namespace sluice::reassembly {

enum class CloseReason : uint8_t { None, Fin, Rst, Idle, EndOfInput };

// "none", "fin", "rst", "idle", "end_of_input"; "unknown" for values outside the enum.
const char* close_reason_name(CloseReason reason);

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // In-order bytes of one direction. The view is valid only during the call.
  virtual void on_stream_data(Direction direction, std::string_view bytes) = 0;
  // Bytes known lost; the stream continues after them.
  virtual void on_stream_gap(Direction direction, uint32_t missing_bytes) = 0;
  // Called exactly once per flow (until PassiveTcpFlow::reset()).
  virtual void on_stream_close(CloseReason reason) = 0;
};

}  // namespace sluice::reassembly
