// dataplane/segment_codec.h — between reassembly's segment types and frames, in both directions.
//
// Owns: which TcpHeaderView fields make a reassembly::TcpSegment, and which SegmentOut fields (options
// included: SYN options, or SACK blocks on ACKs) make a TcpFrameSpec. The live worker and the test/bench
// peers both use it, so a frame means the same thing everywhere.
// May call: dataplane/{frame_builder,tcp_header}.h, reassembly/{tcp_endpoint,tcp_options}.h. Header-only.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/frame_builder.h"
#include "dataplane/tcp_header.h"
#include "reassembly/tcp_endpoint.h"
#include "reassembly/tcp_options.h"

namespace sluice::dataplane {

inline reassembly::TcpSegment to_segment(const TcpHeaderView& tcp) {
  reassembly::TcpSegment segment;
  segment.seq = tcp.seq;
  segment.ack = tcp.ack;
  segment.flags = tcp.flags;
  segment.window = tcp.window;
  segment.payload = tcp.payload;
  return segment;
}

// Sets spec's TCP fields from an endpoint's segment; options are encoded into `options` (kMaxTcpOptionsLen
// bytes, which must outlive the spec's use). Addresses, ports and MACs are the caller's.
inline void fill_tcp_fields(const reassembly::SegmentOut& out, uint8_t* options, TcpFrameSpec& spec) {
  size_t options_length = 0;
  if (out.has_syn_options) {
    options_length = reassembly::encode_syn_options(out.syn_options, options);
  } else if (out.sack_count > 0) {
    options_length = reassembly::encode_sack_option(out.sack, out.sack_count, options);
  }
  spec.seq = out.seq;
  spec.ack = out.ack;
  spec.flags = out.flags;
  spec.window = out.window;
  spec.options = std::span<const uint8_t>(options, options_length);
  spec.payload[0] = out.payload[0];
  spec.payload[1] = out.payload[1];
}

}  // namespace sluice::dataplane
