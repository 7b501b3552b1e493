// dataplane/tcp_header.h — the TCP header of a located frame, read in place.
//
// Owns: reading ports, sequence numbers, flags, window, options and payload from frame bytes whose layers
// frame_layout.h has located, with the data offset checked against the IP length.
// May call: dataplane/frame_layout.h. Header-only, no allocation.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/frame_layout.h"

namespace sluice::dataplane {

struct TcpHeaderView {
  uint16_t src_port = 0, dst_port = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  std::span<const uint8_t> options;
  std::string_view payload;
};

// False when the frame is not a whole, unfragmented TCP segment (too short, data offset out of range).
inline bool read_tcp_header(const uint8_t* frame, const FrameLayout& layout, TcpHeaderView* out) {
  if (layout.fragment || layout.l4_protocol != kIpProtoTcp || layout.l4_len < 20) return false;
  const uint8_t* tcp = frame + layout.l4_offset;
  const size_t header_len = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (header_len < 20 || header_len > layout.l4_len) return false;
  out->src_port = load_be16(tcp);
  out->dst_port = load_be16(tcp + 2);
  out->seq = load_be32(tcp + 4);
  out->ack = load_be32(tcp + 8);
  out->flags = tcp[13];
  out->window = load_be16(tcp + 14);
  out->options = std::span<const uint8_t>(tcp + 20, header_len - 20);
  out->payload = std::string_view(reinterpret_cast<const char*>(tcp + header_len), layout.l4_len - header_len);
  return true;
}

}  // namespace sluice::dataplane
