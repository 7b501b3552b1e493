// libFuzzer target: one frame (the input bytes, as received) through both frame readers of the dataplane,
// dataplane/packet_parser (offline mode: frame -> PacketView) and dataplane/frame_layout + tcp_header (live
// mode: layer offsets read in place), then through the frame builder.
// Invariants checked beyond "no crash":
//  - every offset frame_layout reports stays inside the frame (the IP end included: FCS trailers exist, the IP
//    length may be shorter than the frame, never longer);
//  - the two readers agree: parse_frame says Tcp exactly when locate_layers + read_tcp_header find a whole
//    TCP segment, and then both give the same ports, sequence numbers, flags, window, VLAN and payload bytes
//    (a segment one mode reads differently from the other would be inspected differently offline and live);
//  - TCP options parse without reading past the header;
//  - re-serialisation round-trips: build_tcp_frame(the parsed fields) parses back to the same fields;
//  - the RST built for a frame (build_tcp_rst_for) is itself a parseable TCP RST with the ports swapped.
// May call: dataplane/packet_parser.h, frame_layout.h, tcp_header.h, frame_builder.h, reassembly/tcp_options.h.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "dataplane/frame_builder.h"
#include "dataplane/frame_layout.h"
#include "dataplane/packet_parser.h"
#include "dataplane/tcp_header.h"
#include "reassembly/tcp_options.h"

namespace {

using namespace sluice::dataplane;

void require(bool condition) {
  if (!condition) std::abort();
}

void check_layout_inside(const FrameLayout& layout, size_t len) {
  require(layout.l3_offset <= len);
  if (layout.kind == FrameKind::Ipv4 || layout.kind == FrameKind::Ipv6 || layout.kind == FrameKind::Arp) {
    require(layout.l4_offset == layout.l3_offset + layout.l3_header_len);
    require(layout.ip_end() <= len);
  }
}

void check_same_segment(const PacketView& view, const TcpHeaderView& tcp, const FrameLayout& layout) {
  require(view.src_port == tcp.src_port && view.dst_port == tcp.dst_port);
  require(view.seq == tcp.seq && view.ack == tcp.ack);
  require(view.tcp_flags == tcp.flags && view.window == tcp.window);
  require(view.payload.data() == tcp.payload.data() && view.payload.size() == tcp.payload.size());
  require(view.vlan == layout.vlan);
  require(view.ipv6 == (layout.kind == FrameKind::Ipv6));
}

// Builds the parsed segment again and parses the result: the fields must come back unchanged.
void check_round_trip(const PacketView& view) {
  const IpAddr src = IpAddr::from_bytes(view.src), dst = IpAddr::from_bytes(view.dst);
  // An IPv6 frame carrying IPv4-mapped addresses is rebuilt as IPv4 by design; nothing to compare then.
  if (src.is_v4() != !view.ipv6 || dst.is_v4() != !view.ipv6) return;
  TcpFrameSpec spec;
  spec.vlan = view.vlan;
  spec.src_ip = src;
  spec.dst_ip = dst;
  spec.src_port = view.src_port;
  spec.dst_port = view.dst_port;
  spec.seq = view.seq;
  spec.ack = view.ack;
  spec.flags = view.tcp_flags;
  spec.window = view.window;
  spec.payload[0] = view.payload;
  static std::vector<uint8_t> buffer(128 * 1024);
  const BuiltFrame built = build_tcp_frame(spec, buffer.data(), buffer.size());
  if (!built) return;   // e.g. an IPv4 total length over 65535: refused, never written
  require(built.length <= buffer.size());
  PacketView again;
  const std::string_view frame(reinterpret_cast<const char*>(buffer.data()), built.length);
  require(parse_frame(frame, again) == ParseResult::Tcp);
  require(again.src == view.src && again.dst == view.dst && again.ipv6 == view.ipv6);
  require(again.src_port == view.src_port && again.dst_port == view.dst_port);
  require(again.seq == view.seq && again.ack == view.ack);
  require(again.tcp_flags == view.tcp_flags && again.window == view.window && again.vlan == view.vlan);
  require(again.payload == view.payload);
}

void check_rst_answer(const uint8_t* frame, size_t len, const PacketView& view) {
  static std::vector<uint8_t> buffer(256);
  const BuiltFrame rst = build_tcp_rst_for(frame, len, 1, buffer.data(), buffer.size());
  if (!rst) return;
  require(!(view.tcp_flags & kTcpRst));   // a RST is never answered
  PacketView answer;
  const std::string_view bytes(reinterpret_cast<const char*>(buffer.data()), rst.length);
  require(parse_frame(bytes, answer) == ParseResult::Tcp);
  require(answer.tcp_flags & kTcpRst);
  require(answer.src_port == view.dst_port && answer.dst_port == view.src_port);
  require(answer.src == view.dst && answer.dst == view.src);
  require(answer.payload.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  PacketView view;
  const ParseResult result = parse_frame(frame, view);
  require(parse_result_name(result)[0] != '\0');

  FrameLayout layout;
  const FrameKind kind = locate_layers(data, size, layout);
  require(kind == layout.kind);
  check_layout_inside(layout, size);

  TcpHeaderView tcp;
  const bool live_tcp = (kind == FrameKind::Ipv4 || kind == FrameKind::Ipv6) && read_tcp_header(data, layout, &tcp);
  require(live_tcp == (result == ParseResult::Tcp));
  if (!live_tcp) return 0;

  check_same_segment(view, tcp, layout);
  const auto* payload_begin = reinterpret_cast<const uint8_t*>(view.payload.data());
  require(payload_begin >= data && payload_begin + view.payload.size() <= data + size);
  require(tcp.options.data() >= data && tcp.options.data() + tcp.options.size() <= data + size);
  sluice::reassembly::TcpSynOptions options;
  if (sluice::reassembly::parse_tcp_options(tcp.options.data(), tcp.options.size(), &options)) {
    require(options.window_scale <= 14);
  }
  check_round_trip(view);
  check_rst_answer(data, size, view);
  return 0;
}
