// dataplane/proxy_session.cc — see proxy_session.h.
#include "dataplane/proxy_session.h"

#include <algorithm>

#include "dataplane/segment_codec.h"
#include "scan/budget.h"

namespace sluice::dataplane {

namespace {

// Client bytes handed to the relay per call: bounds the scanning work done between two checks of the slice.
constexpr size_t kClientBytesPerCall = 16 * 1024;
constexpr int kMaxRounds = 16;   // read/write rounds per service call (each round frees room for the next)

// Both keep IPv4 as IPv4-mapped IPv6 in network order.
scan::envelope::ClientAddress client_address_of(const IpAddr& ip) {
  scan::envelope::ClientAddress c;
  c.bytes = ip.bytes;
  c.v4 = ip.is_v4();
  return c;
}

}  // namespace

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
                           const scan::InspectorContext& inspector, const smtp::RelayConfig& relay_config,
                           ScanSlice& slice, const ClientDeadlines& deadlines)
    : proxy_(config), inspector_(inspector), relay_(relay_config, inspector_), slice_(slice), deadlines_(deadlines) {
  timer_.session_index = index;
}

void ProxySession::start(const SessionAddresses& a, LinkIo& outside, LinkIo& inside, const uint64_t* now_ns,
                         uint64_t flow_id) {
  addresses_ = a;
  proxy_.reset();
  client_sink_.bind(&outside, a.vip, a.vip_port, a.client, a.client_port, now_ns);
  server_sink_.bind(&inside, a.client, a.client_port, a.backend, a.backend_port, now_ns);
  proxy_.set_sinks(&client_sink_, &server_sink_);
  proxy_.set_relay(this);
  char text[48];
  scan::FlowTuple tuple;
  tuple.src_ip = std::string(a.client.format(text));
  tuple.dest_ip = std::string(a.vip.format(text));
  tuple.src_port = a.client_port;
  tuple.dest_port = a.vip_port;
  tuple.flow_id = flow_id;
  inspector_.start(tuple, client_address_of(a.client));
  relay_.reset();
  input_since_tsc_ = 0;
  command_since_ns_ = message_since_ns_ = message_bytes0_ = 0;
  deadline_ns_ = UINT64_MAX;
  pending_work_ = false;
  client_end_told_ = server_end_told_ = false;
  opened_ns = *now_ns;
  queued = false;
  counted_half_open = false;
}

void ProxySession::finish() {
  relay_.on_client_closed();   // logs a message still in flight as abandoned; no-op otherwise
  proxy_.reset();
}

ConnKey ProxySession::outside_key() const {
  return ConnKey::make(Side::Outside, addresses_.client, addresses_.client_port, addresses_.vip, addresses_.vip_port);
}

ConnKey ProxySession::inside_key() const {
  return ConnKey::make(Side::Inside, addresses_.backend, addresses_.backend_port, addresses_.client,
                       addresses_.client_port);
}

bool ProxySession::move_out(smtp::RelayOutput& out, reassembly::TcpEndpoint& to) {
  if (out.empty() || to.is_closed()) return false;
  const uint32_t written = to.write(out.pending());
  out.consumed(written);
  return written > 0;
}

bool ProxySession::read_server(reassembly::TcpEndpoint& server) {
  bool moved = false;
  while (server.readable() > 0) {
    const std::string_view bytes = server.read_view();
    const size_t used = relay_.on_server_bytes(bytes);
    if (used == 0) break;
    server.consume(static_cast<uint32_t>(used));
    proxy_.count_relayed(reassembly::Direction::ServerToClient, used);
    moved = true;
  }
  return moved;
}

// Client input is where scanning happens: it runs only while the worker's slice for this iteration lasts.
bool ProxySession::read_client(reassembly::TcpEndpoint& client) {
  bool moved = false;
  while (client.readable() > 0 && slice_.cycles_left > 0) {
    if (input_since_tsc_ == 0) input_since_tsc_ = scan::read_cycles();
    inspector_.note_input_since(input_since_tsc_);
    const std::string_view view = client.read_view();
    const uint64_t t0 = scan::read_cycles();
    const size_t used = relay_.on_client_bytes(view.substr(0, std::min(view.size(), kClientBytesPerCall)));
    slice_.cycles_left -= static_cast<int64_t>(scan::read_cycles() - t0);
    if (used == 0) break;
    client.consume(static_cast<uint32_t>(used));
    proxy_.count_relayed(reassembly::Direction::ClientToServer, used);
    moved = true;
  }
  if (client.readable() == 0) input_since_tsc_ = 0;
  return moved;
}

// RES-3: a command trickled in a byte at a time keeps the connection alive (no idle time-out) but must still end
// within command-timeout; message content must keep min-data-rate on average once that long has passed.
void ProxySession::check_deadlines(uint64_t now_ns) {
  if (relay_.mid_command()) {
    if (command_since_ns_ == 0) command_since_ns_ = now_ns;
  } else {
    command_since_ns_ = 0;
  }
  if (relay_.in_message()) {
    if (message_since_ns_ == 0) {
      message_since_ns_ = now_ns;
      message_bytes0_ = proxy_.bytes_relayed(reassembly::Direction::ClientToServer);
    }
  } else {
    message_since_ns_ = 0;
  }
  deadline_ns_ = compute_deadline();   // the proxy's timer reads it right after, in settle()
  if (now_ns >= deadline_ns_) relay_.time_out();
}

uint64_t ProxySession::compute_deadline() const {
  uint64_t next = UINT64_MAX;
  if (command_since_ns_ != 0) next = command_since_ns_ + deadlines_.command_ns;
  if (message_since_ns_ != 0 && deadlines_.min_data_rate != 0) {
    // The average rate stays at or above the minimum until bytes / rate seconds after the message began.
    const uint64_t bytes = proxy_.bytes_relayed(reassembly::Direction::ClientToServer) - message_bytes0_;
    const uint64_t earned_ns =
        static_cast<uint64_t>(static_cast<unsigned __int128>(bytes) * 1'000'000'000ull / deadlines_.min_data_rate);
    next = std::min(next, message_since_ns_ + std::max(deadlines_.command_ns, earned_ns) + 1);
  }
  return next;
}

bool ProxySession::relay(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns) {
  bool any = false;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool moved = read_server(server);
    moved |= move_out(relay_.to_client(), client);
    moved |= read_client(client);
    moved |= move_out(relay_.to_server(), server);
    moved |= move_out(relay_.to_client(), client);
    any |= moved;
    if (!moved) break;
  }
  // A peer's FIN reaches the relay once everything it sent before has been read.
  if (!client_end_told_ && (client.peer_closed() || client.is_closed()) && client.readable() == 0) {
    client_end_told_ = true;
    relay_.on_client_closed();
  }
  if (!server_end_told_ && (server.peer_closed() || server.is_closed()) && server.readable() == 0) {
    server_end_told_ = true;
    relay_.on_server_closed();
    move_out(relay_.to_client(), client);
  }
  // The end-of-data bound (RES-16): input waiting longer than verdict-timeout means scanning cannot keep up;
  // stop scanning so the rest is only parsed and the verdict comes from scan-timeout-action.
  if (input_since_tsc_ != 0 && inspector_.message_open() && slice_.verdict_timeout_cycles != 0 &&
      scan::read_cycles() - input_since_tsc_ > slice_.verdict_timeout_cycles) {
    inspector_.stop_scanning();
  }
  check_deadlines(now_ns);
  move_out(relay_.to_client(), client);
  pending_work_ = client.readable() > 0 && slice_.cycles_left <= 0;
  return any;
}

bool ProxySession::drained(reassembly::Direction from) const {
  // While the relay waits for the backend (its 354, a DATA/BDAT decision) a client FIN must not overtake it.
  return from == reassembly::Direction::ClientToServer ? relay_.to_server().empty() && !relay_.waiting_for_backend()
                                                       : relay_.to_client().empty();
}

bool ProxySession::wants_close() const { return relay_.wants_close() && relay_.to_client().empty(); }

}  // namespace sluice::dataplane
