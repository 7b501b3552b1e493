// tests/unit/reassembly/flow_test_support.h — a recording sink and segment builders.
//
// The sink renders each direction as one string with gaps written inline as "<gap:N>",
// so a test asserts the exact delivered bytes and where the losses sit in one comparison.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reassembly/passive_tcp_flow.h"

namespace sluice::reassembly::testing {

constexpr Direction kC2S = Direction::ClientToServer;
constexpr Direction kS2C = Direction::ServerToClient;

class RecordingSink : public StreamSink {
 public:
  void on_stream_data(Direction direction, std::string_view bytes) override {
    text[static_cast<size_t>(direction)].append(bytes);
  }
  void on_stream_gap(Direction direction, uint32_t missing_bytes) override {
    text[static_cast<size_t>(direction)] += "<gap:" + std::to_string(missing_bytes) + ">";
  }
  void on_stream_close(CloseReason reason) override { closes.push_back(reason); }

  const std::string& client() const { return text[0]; }
  const std::string& server() const { return text[1]; }

  std::array<std::string, 2> text;
  std::vector<CloseReason> closes;
};

// A segment with no ACK flag unless asked: an ACK field always means something to the
// flow (it may start or advance the other direction).
inline TcpSegment segment(uint32_t seq, std::string_view payload, uint8_t flags = 0,
                          uint32_t ack = 0) {
  TcpSegment built;
  built.seq = seq;
  built.ack = ack;
  built.flags = flags;
  built.window = 65535;
  built.payload = payload;
  return built;
}

// SYN, SYN-ACK, ACK: afterwards the client's data starts at client_isn + 1 and the
// server's at server_isn + 1.
inline void handshake(PassiveTcpFlow& flow, uint32_t client_isn, uint32_t server_isn) {
  flow.on_segment(kC2S, segment(client_isn, "", tcp_flag::SYN));
  flow.on_segment(kS2C, segment(server_isn, "", tcp_flag::SYN | tcp_flag::ACK, client_isn + 1));
  flow.on_segment(kC2S, segment(client_isn + 1, "", tcp_flag::ACK, server_isn + 1));
}

}  // namespace sluice::reassembly::testing
