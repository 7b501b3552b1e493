// dataplane/proxy_session.cc — see proxy_session.h.
#include "dataplane/proxy_session.h"

#include "dataplane/segment_codec.h"

namespace sluice::dataplane {

void LegSink::bind(LinkIo* io, const IpAddr& local, uint16_t local_port, const IpAddr& remote, uint16_t remote_port,
                   const uint64_t* now_ns) {
  io_ = io;
  local_ = local;
  local_port_ = local_port;
  remote_ = remote;
  remote_port_ = remote_port;
  now_ns_ = now_ns;
}

void LegSink::send_segment(const reassembly::SegmentOut& out) {
  uint8_t options[kMaxTcpOptionsLen];
  TcpFrameSpec spec;
  spec.src_ip = local_;
  spec.dst_ip = remote_;
  spec.src_port = local_port_;
  spec.dst_port = remote_port_;
  fill_tcp_fields(out, options, spec);
  io_->send_tcp(spec, *now_ns_);
}

ProxySession::ProxySession(uint32_t index, const reassembly::SplitProxyConfig& config,
                           const scan::InspectorContext& inspector)
    : proxy_(config), inspector_(inspector) {
  timer_.session_index = index;
}

void ProxySession::start(const SessionAddresses& a, LinkIo& outside, LinkIo& inside, const uint64_t* now_ns,
                         uint64_t flow_id) {
  addresses_ = a;
  proxy_.reset();
  client_sink_.bind(&outside, a.vip, a.vip_port, a.client, a.client_port, now_ns);
  server_sink_.bind(&inside, a.client, a.client_port, a.backend, a.backend_port, now_ns);
  proxy_.set_sinks(&client_sink_, &server_sink_);
  proxy_.set_tap(this);
  char text[48];
  scan::FlowTuple tuple;
  tuple.src_ip = std::string(a.client.format(text));
  tuple.dest_ip = std::string(a.vip.format(text));
  tuple.src_port = a.client_port;
  tuple.dest_port = a.vip_port;
  tuple.flow_id = flow_id;
  inspector_.start(tuple);
  // The relay logs verdicts but does not yet act on them (inline enforcement is the SMTP relay's job, issue 4):
  // say so in every record, so a "reject" in the log is never read as a refused message.
  inspector_.note_transport_flag("verdict_not_enforced");
  opened_ns = *now_ns;
  queued = false;
  counted_half_open = false;
}

void ProxySession::finish() {
  inspector_.close();
  proxy_.reset();
}

ConnKey ProxySession::outside_key() const {
  return ConnKey::make(Side::Outside, addresses_.client, addresses_.client_port, addresses_.vip, addresses_.vip_port);
}

ConnKey ProxySession::inside_key() const {
  return ConnKey::make(Side::Inside, addresses_.backend, addresses_.backend_port, addresses_.client,
                       addresses_.client_port);
}

void ProxySession::on_relayed(reassembly::Direction direction, std::string_view bytes, uint64_t) {
  if (direction == reassembly::Direction::ClientToServer) {
    inspector_.client_bytes(bytes);
  } else {
    inspector_.server_bytes(bytes);
  }
}

}  // namespace sluice::dataplane
