#include "dataplane/packet_processor.h"

#include <algorithm>

namespace sluice::dataplane {

using reassembly::TcpSegment;
namespace tcp_flag = reassembly::tcp_flag;

PacketProcessor::PacketProcessor(FlowTable& flows, std::vector<uint16_t> smtp_ports)
    : flows_(flows), smtp_ports_(std::move(smtp_ports)) {}

bool PacketProcessor::is_server_port(uint16_t port) const {
  return std::find(smtp_ports_.begin(), smtp_ports_.end(), port) != smtp_ports_.end();
}

// Who opened the connection: the SYN sender; the SYN-ACK receiver; else (mid-stream pick-up) the side
// talking to an inspected port; else the side with the higher (ephemeral-looking) port.
bool PacketProcessor::client_is_a(const PacketView& pkt, bool sender_is_a) const {
  const bool syn = pkt.tcp_flags & tcp_flag::SYN;
  const bool ack = pkt.tcp_flags & tcp_flag::ACK;
  bool sender_is_client;
  if (syn && !ack) {
    sender_is_client = true;
  } else if (syn && ack) {
    sender_is_client = false;
  } else if (is_server_port(pkt.dst_port) != is_server_port(pkt.src_port)) {
    sender_is_client = is_server_port(pkt.dst_port);
  } else {
    sender_is_client = pkt.src_port > pkt.dst_port;
  }
  return sender_is_client == sender_is_a;
}

void PacketProcessor::process(std::string_view frame, uint64_t now_ns) {
  ++counters_.frames;
  counters_.bytes += frame.size();
  const ParseResult result = parse_frame(frame, packet_);
  ++counters_.by_parse_result[static_cast<size_t>(result)];
  if (result != ParseResult::Tcp) return;
  ++counters_.tcp;
  counters_.tcp_payload_bytes += packet_.payload.size();

  bool sender_is_a = false;
  const FlowKey key = make_flow_key(packet_, &sender_is_a);
  FlowContext* flow = flows_.find(key);
  if (!flow) {
    // Only a SYN or a segment with data opens state: a lone ACK, FIN or RST (typically the last ACK after
    // both FINs closed the flow) has nothing to inspect and would only look like a mid-stream pick-up.
    const bool opens = (packet_.tcp_flags & tcp_flag::SYN) || !packet_.payload.empty();
    if (!opens || (packet_.tcp_flags & tcp_flag::RST)) {
      ++counters_.no_flow;
      return;
    }
    const bool a_is_client = client_is_a(packet_, sender_is_a);
    scan::FlowTuple tuple;
    char buffer[48];
    const bool sender_is_client = a_is_client == sender_is_a;
    tuple.src_ip = format_ip(sender_is_client ? packet_.src : packet_.dst, buffer);
    tuple.dest_ip = format_ip(sender_is_client ? packet_.dst : packet_.src, buffer);
    tuple.src_port = sender_is_client ? packet_.src_port : packet_.dst_port;
    tuple.dest_port = sender_is_client ? packet_.dst_port : packet_.src_port;
    tuple.vlan = packet_.vlan;
    tuple.flow_id = flows_.counters().created + 1;
    flow = flows_.create(key, a_is_client, tuple, now_ns);
    if (!flow) return;
  }
  TcpSegment segment;
  segment.seq = packet_.seq;
  segment.ack = packet_.ack;
  segment.flags = packet_.tcp_flags;
  segment.window = packet_.window;
  segment.payload = packet_.payload;
  flow->on_packet(sender_is_a, segment, now_ns);
  if (flow->closed()) {
    flows_.release(flow);
  } else {
    flows_.touch(flow);
  }
}

}  // namespace sluice::dataplane
