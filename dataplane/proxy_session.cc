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
                           ScanSlice& slice, const ClientDeadlines& deadlines, SessionTlsServices* tls)
    : proxy_(config),
      inspector_(inspector),
      relay_(relay_config, hooks_),
      slice_(slice),
      deadlines_(deadlines),
      tls_services_(tls) {
  timer_.session_index = index;
}

void ProxySession::start(const SessionAddresses& a, LinkIo& outside, LinkIo& inside, const uint64_t* now_ns,
                         uint64_t flow_id, const PortTls* tls) {
  addresses_ = a;
  in_use_ = true;
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
  hooks_.start(trace_, flow_id, now_ns);
  relay_.reset();
  input_since_tsc_ = 0;
  command_since_ns_ = message_since_ns_ = message_bytes0_ = 0;
  deadline_ns_ = UINT64_MAX;
  pending_work_ = false;
  client_end_told_ = server_end_told_ = false;
  client_bytes_queued_ = 0;
  opened_ns = *now_ns;
  queued = false;
  counted_half_open = false;
  port_tls_ = tls_services_ != nullptr && tls_services_->legs != nullptr ? tls : nullptr;
  start_tls(*now_ns);
}

void ProxySession::finish() {
  relay_.on_client_closed();   // logs a message still in flight as abandoned; no-op otherwise
  end_tls();
  proxy_.reset();
  in_use_ = false;
}

ConnKey ProxySession::outside_key() const {
  return ConnKey::make(Side::Outside, addresses_.client, addresses_.client_port, addresses_.vip, addresses_.vip_port);
}

ConnKey ProxySession::inside_key() const {
  return ConnKey::make(Side::Inside, addresses_.backend, addresses_.backend_port, addresses_.client,
                       addresses_.client_port);
}

void ProxySession::PlainLeg::consume(size_t n) const {
  if (tls != nullptr) {
    tls->plaintext_used(n);
  } else {
    tcp.consume(static_cast<uint32_t>(n));
  }
}

bool ProxySession::move_out(smtp::RelayOutput& out, const PlainLeg& to) {
  if (out.empty() || to.tcp.is_closed()) return false;
  const size_t written = to.tls != nullptr ? to.tls->put_plaintext(out.pending()) : send(to.tcp, out.pending());
  out.consumed(written);
  return written > 0;
}

uint32_t ProxySession::send(reassembly::TcpEndpoint& tcp, std::string_view bytes) {
  const uint32_t written = tcp.write(bytes);
  if (&tcp == &proxy_.client_leg()) client_bytes_queued_ += written;
  return written;
}

bool ProxySession::backend_reset() const {
  const reassembly::TcpEndpoint& server = proxy_.server_leg();
  return server.is_closed() && server.close_reason() != reassembly::TcpEndpoint::CloseReason::Normal &&
         server.close_reason() != reassembly::TcpEndpoint::CloseReason::None;
}

// Sent at least once (bytes_out counts first transmissions) and nothing in flight unacknowledged.
bool ProxySession::client_output_delivered() const {
  const reassembly::TcpEndpoint& client = proxy_.client_leg();
  return client.is_closed() ||
         (client.counters().bytes_out >= client_bytes_queued_ && client.snd_una() == client.snd_nxt());
}

bool ProxySession::read_server(const PlainLeg& server) {
  bool moved = false;
  while (server.readable() > 0) {
    const std::string_view bytes = server.view();
    const size_t used = relay_.on_server_bytes(bytes);
    if (used == 0) break;
    server.consume(used);
    proxy_.count_relayed(reassembly::Direction::ServerToClient, used);
    moved = true;
  }
  return moved;
}

// Client input is where scanning happens: it runs only while the worker's slice for this iteration lasts.
bool ProxySession::read_client(const PlainLeg& client) {
  bool moved = false;
  while (client.readable() > 0 && slice_.cycles_left > 0) {
    if (input_since_tsc_ == 0) input_since_tsc_ = scan::read_cycles();
    inspector_.note_input_since(input_since_tsc_);
    const std::string_view view = client.view();
    const uint64_t t0 = scan::read_cycles();
    const size_t used = relay_.on_client_bytes(view.substr(0, std::min(view.size(), kClientBytesPerCall)));
    slice_.cycles_left -= static_cast<int64_t>(scan::read_cycles() - t0);
    if (used == 0) break;
    client.consume(used);
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
  const uint64_t relay_deadline = compute_deadline();
  if (now_ns >= relay_deadline) relay_.time_out();
  // The proxy's timer reads it right after, in settle(); handshake deadlines are checked by check_handshakes().
  deadline_ns_ = relay_deadline;
  if (client_handshake_deadline_ns_ != 0) deadline_ns_ = std::min(deadline_ns_, client_handshake_deadline_ns_);
  if (server_handshake_deadline_ns_ != 0) deadline_ns_ = std::min(deadline_ns_, server_handshake_deadline_ns_);
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

bool ProxySession::relay_rounds(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns) {
  bool any = false;
  for (int round = 0; round < kMaxRounds && !splice_; ++round) {
    bool moved = cipher_in(client, client_tls_, client_eof_fed_);
    moved |= cipher_in(server, server_tls_, server_eof_fed_);
    const PlainLeg c{client, client_tls_}, s{server, server_tls_};
    moved |= read_server(s);
    moved |= move_out(relay_.to_client(), c);
    moved |= read_client(c);
    moved |= move_out(relay_.to_server(), s);
    moved |= move_out(relay_.to_client(), c);
    moved |= cipher_out(client_tls_, client);
    moved |= cipher_out(server_tls_, server);
    moved |= take_tls_step(client, server, now_ns);
    any |= moved;
    if (!moved) break;
  }
  return any;
}

// A leg's stream has ended for the relay once everything its peer sent before its FIN (or close_notify) was read.
bool ProxySession::leg_ended(const reassembly::TcpEndpoint& tcp, tls::TlsLeg* leg) const {
  if (leg != nullptr) {
    // The TLS stream ends by close_notify, or fails at the TCP end without it (TLS-8); either way only once the
    // leg has turned everything before it into plaintext (a TLS lcore may still be decrypting the last reply).
    const tls::TlsState s = leg->state();
    return (s == tls::TlsState::Closed || s == tls::TlsState::Failed) && leg->plaintext_in().empty();
  }
  return (tcp.peer_closed() || tcp.is_closed()) && tcp.readable() == 0;
}

void ProxySession::tell_ends(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server) {
  if (!client_end_told_ && leg_ended(client, client_tls_)) {
    client_end_told_ = true;
    relay_.on_client_closed();
    if (server_tls_ != nullptr && server_tls_->state() == tls::TlsState::Established) server_tls_->close();
  }
  if (!server_end_told_ && leg_ended(server, server_tls_)) {
    server_end_told_ = true;
    relay_.on_server_closed();
    move_out(relay_.to_client(), PlainLeg{client, client_tls_});
    if (client_tls_ != nullptr && client_tls_->state() == tls::TlsState::Established) client_tls_->close();
  }
  cipher_out(client_tls_, client);
  cipher_out(server_tls_, server);
}

bool ProxySession::relay(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns) {
  if (splice_) {
    deadline_ns_ = UINT64_MAX;   // a spliced session has only the proxy's idle time-out
    return splice(client, server);
  }
  bool any = relay_rounds(client, server, now_ns);
  check_handshakes(now_ns);
  any |= relay_rounds(client, server, now_ns);
  if (splice_) return splice(client, server) || any;
  tell_ends(client, server);
  // The end-of-data bound (RES-16): input waiting longer than verdict-timeout means scanning cannot keep up;
  // stop scanning so the rest is only parsed and the verdict comes from scan-timeout-action.
  if (input_since_tsc_ != 0 && inspector_.message_open() && slice_.verdict_timeout_cycles != 0 &&
      scan::read_cycles() - input_since_tsc_ > slice_.verdict_timeout_cycles) {
    inspector_.stop_scanning();
  }
  check_deadlines(now_ns);
  move_out(relay_.to_client(), PlainLeg{client, client_tls_});
  cipher_out(client_tls_, client);
  pending_work_ = PlainLeg{client, client_tls_}.readable() > 0 && slice_.cycles_left <= 0;
  return any;
}

bool ProxySession::drained(reassembly::Direction from) const {
  // A backend's RST crosses only once what it said before reached the client (client_output_delivered): the
  // RST discards the client leg's queue. A FIN is queued behind the data, so it need not wait.
  if (from == reassembly::Direction::ServerToClient && backend_reset() && !client_output_delivered()) return false;
  if (splice_) return true;   // spliced bytes are written as they are read
  // While the relay waits for the backend (its 354, a DATA/BDAT decision) a client FIN must not overtake it.
  // Through TLS, the peer's FIN is also behind whatever its leg has not decrypted yet (a TLS lcore may still be
  // at it): the end crosses once the relay was told of it (tell_ends), with our close_notify sent before.
  return from == reassembly::Direction::ClientToServer
             ? relay_.to_server().empty() && !relay_.waiting_for_backend() && ciphertext_flushed(server_tls_) &&
                   (client_tls_ == nullptr || client_end_told_)
             : relay_.to_client().empty() && ciphertext_flushed(client_tls_) &&
                   (server_tls_ == nullptr || server_end_told_);
}

bool ProxySession::wants_close() const {
  if (!ciphertext_flushed(client_tls_)) return false;   // an alert or the last reply is still on its way
  return tls_close_ || (relay_.wants_close() && relay_.to_client().empty());
}

}  // namespace sluice::dataplane
