// tests/unit/reassembly/tcp_endpoint_test_support.h — a sink that records every segment an
// endpoint emits (payload copied), segment builders, and endpoints brought to ESTABLISHED.
//
// Tests compare whole segments (seq, ack, flags, window, payload) with Out{...} so a
// failure prints exactly which field differs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reassembly/tcp_endpoint.h"

namespace sluice::reassembly::endpoint_testing {

constexpr uint8_t kSyn = tcp_flag::SYN, kAck = tcp_flag::ACK, kFin = tcp_flag::FIN, kRst = tcp_flag::RST;
constexpr uint64_t kMs = 1'000'000;

// One emitted segment, comparable as a value.
struct Out {
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  std::string payload;
  bool operator==(const Out&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Out& out) {
  os << "{seq=" << out.seq << " ack=" << out.ack << " flags=";
  if (out.flags & kSyn) os << 'S';
  if (out.flags & kAck) os << 'A';
  if (out.flags & kFin) os << 'F';
  if (out.flags & kRst) os << 'R';
  return os << " win=" << out.window << " len=" << out.payload.size() << "}";
}

class SegmentRecorder : public SegmentSink {
 public:
  void send_segment(const SegmentOut& segment) override {
    Out out{segment.seq, segment.ack, segment.flags, segment.window, std::string(segment.payload[0])};
    out.payload.append(segment.payload[1]);
    sent.push_back(out);
    options.push_back(segment.has_syn_options ? segment.syn_options : TcpSynOptions{0, -2, false});
  }
  // Returns and forgets what was sent since the last take().
  std::vector<Out> take() {
    std::vector<Out> taken;
    taken.swap(sent);
    options.clear();
    return taken;
  }
  std::vector<Out> sent;
  std::vector<TcpSynOptions> options;  // per segment; window_scale -2 marks "no SYN options"
};

inline TcpSegment seg(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window, std::string_view payload = {}) {
  TcpSegment built;
  built.seq = seq;
  built.ack = ack;
  built.flags = flags;
  built.window = window;
  built.payload = payload;
  return built;
}

// A small configuration with round numbers: windows and segments are easy to read.
inline TcpEndpointConfig small_config() {
  TcpEndpointConfig config;
  config.send_buffer = 10000;
  config.receive_buffer = 4000;
  config.mss = 1000;
  return config;
}

// The passive side of every test connection: peer ISN 7000, our ISS 3000, no window
// scaling (the peer did not offer it), peer window 20000, MSS 1000 both ways.
constexpr uint32_t kPeerIsn = 7000, kIss = 3000;
inline void establish_passive(TcpEndpoint& endpoint, SegmentRecorder& sink, uint16_t peer_window = 20000) {
  endpoint.set_sink(&sink);
  TcpSynOptions peer;
  peer.mss = 1000;
  endpoint.receive_syn(seg(kPeerIsn, 0, kSyn, peer_window), peer, kIss, 0);
  endpoint.accept(0);
  endpoint.on_segment(seg(kPeerIsn + 1, kIss + 1, kAck, peer_window), nullptr, 0);
  sink.take();
}

}  // namespace sluice::reassembly::endpoint_testing
