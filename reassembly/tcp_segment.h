// reassembly/tcp_segment.h — the TCP segment as the reassembly layer sees it.
//
// Owns: Direction, the TCP flag bits and TcpSegment (header fields that matter for
// reassembly plus a view of the payload). Parsing packets into these is dataplane/'s job.
// May call: nothing.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::reassembly {

enum class Direction : uint8_t { ClientToServer = 0, ServerToClient = 1 };

constexpr Direction opposite(Direction d) {
  return d == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer;
}

// Control bits in the order of the TCP header's flag byte (RFC 9293 §3.1).
namespace tcp_flag {
constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
}

struct TcpSegment {
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  // Borrowed: valid only during the on_segment() call that receives it.
  std::string_view payload;

  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

}  // namespace sluice::reassembly
