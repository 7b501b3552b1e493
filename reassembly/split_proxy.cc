// reassembly/split_proxy.cc — see split_proxy.h.
#include "reassembly/split_proxy.h"

#include <algorithm>

namespace sluice::reassembly {

namespace {

constexpr int index_of(Direction d) { return static_cast<int>(d); }

// A leg that ended by anything but an orderly close takes the other leg down with it.
bool ended_abnormally(const TcpEndpoint& leg) {
  if (!leg.is_closed()) return false;
  const TcpEndpoint::CloseReason why = leg.close_reason();
  return why != TcpEndpoint::CloseReason::Normal && why != TcpEndpoint::CloseReason::None;
}

}  // namespace

const char* proxy_end_name(ProxyEnd end) {
  switch (end) {
    case ProxyEnd::None: return "none";
    case ProxyEnd::Completed: return "completed";
    case ProxyEnd::BackendRefused: return "backend-refused";
    case ProxyEnd::BackendTimeout: return "backend-timeout";
    case ProxyEnd::ClientReset: return "client-reset";
    case ProxyEnd::BackendReset: return "backend-reset";
    case ProxyEnd::ClientTimeout: return "client-timeout";
    case ProxyEnd::IdleTimeout: return "idle-timeout";
    case ProxyEnd::Aborted: return "aborted";
  }
  return "?";
}

SplitProxy::SplitProxy(const SplitProxyConfig& config)
    : config_(config), client_(config.client_leg), server_(config.server_leg) {}

void SplitProxy::reset() {
  client_.reset();
  server_.reset();
  tap_ = nullptr;
  relay_ = nullptr;
  relay_closed_ = false;
  phase_ = ProxyPhase::Done;
  end_ = ProxyEnd::None;
  from_cookie_ = false;
  client_open_ = false;
  fin_sent_[0] = fin_sent_[1] = false;
  client_irs_ = 0;
  connect_deadline_ns_ = last_activity_ns_ = 0;
  relayed_[0] = relayed_[1] = 0;
}

void SplitProxy::set_sinks(SegmentSink* client_side, SegmentSink* server_side) {
  client_sink_ = client_side;
  client_.set_sink(client_side);
  server_.set_sink(server_side);
}

void SplitProxy::open(const TcpSegment& client_syn, const TcpSynOptions& client_options, uint32_t client_iss,
                      uint32_t server_iss, uint64_t now_ns) {
  phase_ = ProxyPhase::Dialing;
  client_irs_ = client_syn.seq;
  client_.receive_syn(client_syn, client_options, client_iss, now_ns);
  server_.connect(server_iss, now_ns);
  connect_deadline_ns_ = now_ns + config_.connect_timeout_ns;
  last_activity_ns_ = now_ns;
}

void SplitProxy::open_from_cookie(uint32_t client_iss, uint32_t client_irs, const TcpSynOptions& client_options,
                                  uint16_t client_window, uint32_t server_iss, uint64_t now_ns) {
  phase_ = ProxyPhase::Dialing;
  from_cookie_ = true;
  client_irs_ = client_irs;
  client_.open_established(client_iss, client_irs, client_options, client_window, now_ns);
  server_.connect(server_iss, now_ns);
  connect_deadline_ns_ = now_ns + config_.connect_timeout_ns;
  last_activity_ns_ = now_ns;
}

void SplitProxy::on_client_segment(const TcpSegment& segment, const TcpSynOptions* syn_options, uint64_t now_ns) {
  if (phase_ == ProxyPhase::Done) return;
  if (phase_ == ProxyPhase::Dialing && !from_cookie_) {
    // Nothing was answered yet: a repeated SYN waits with the first; an RST withdraws the attempt.
    if (segment.has(tcp_flag::RST)) {  // never answered (RFC 9293 3.10.7.1): the attempt just ends
      server_.abort(now_ns);
      client_.reset();
      server_.reset();
      end(ProxyEnd::ClientReset);
      phase_ = ProxyPhase::Done;
    }
    return;
  }
  client_.on_segment(segment, syn_options, now_ns);
}

void SplitProxy::on_server_segment(const TcpSegment& segment, const TcpSynOptions* syn_options, uint64_t now_ns) {
  if (phase_ == ProxyPhase::Done) return;
  server_.on_segment(segment, syn_options, now_ns);
}

void SplitProxy::on_timer(uint64_t now_ns) {
  if (phase_ == ProxyPhase::Done) return;
  if (!client_.is_closed()) client_.on_timer(now_ns);
  if (!server_.is_closed()) server_.on_timer(now_ns);
}

void SplitProxy::service(uint64_t now_ns) {
  if (phase_ == ProxyPhase::Dialing) finish_dialing(now_ns);
  if (phase_ == ProxyPhase::Relaying) relay(now_ns);
  if (phase_ != ProxyPhase::Done) {
    client_.flush(now_ns);
    server_.flush(now_ns);
    if (client_.is_closed() && server_.is_closed()) {
      if (end_ == ProxyEnd::None) end(ProxyEnd::Completed);
      phase_ = ProxyPhase::Done;
    }
  }
}

void SplitProxy::abort(uint64_t now_ns) {
  if (phase_ == ProxyPhase::Done) return;
  if (phase_ == ProxyPhase::Dialing && !from_cookie_) {
    server_.abort(now_ns);
    refuse_client(ProxyEnd::Aborted, now_ns);
    return;
  }
  client_.abort(now_ns);
  server_.abort(now_ns);
  end(ProxyEnd::Aborted);
  phase_ = ProxyPhase::Done;
}

uint64_t SplitProxy::next_timer_ns() const {
  if (phase_ == ProxyPhase::Done) return UINT64_MAX;
  uint64_t next = std::min(client_.next_timer_ns(), server_.next_timer_ns());
  if (phase_ == ProxyPhase::Dialing) next = std::min(next, connect_deadline_ns_);
  if (phase_ == ProxyPhase::Relaying) next = std::min(next, last_activity_ns_ + config_.idle_timeout_ns);
  if (phase_ == ProxyPhase::Relaying && relay_ != nullptr) next = std::min(next, relay_->next_deadline_ns());
  if (half_open()) next = std::min(next, connect_deadline_ns_);
  return next;
}

void SplitProxy::finish_dialing(uint64_t now_ns) {
  if (server_.state() == TcpState::Established) {
    if (!from_cookie_) client_.accept(now_ns);
    phase_ = ProxyPhase::Relaying;
    last_activity_ns_ = now_ns;
    return;
  }
  if (from_cookie_ && client_.is_closed()) {  // the client gave up while we dialled
    server_.abort(now_ns);
    end(ProxyEnd::ClientReset);
    phase_ = ProxyPhase::Done;
    return;
  }
  if (server_.is_closed()) {
    refuse_client(server_.close_reason() == TcpEndpoint::CloseReason::TimedOut ? ProxyEnd::BackendTimeout
                                                                  : ProxyEnd::BackendRefused,
                  now_ns);
    return;
  }
  if (now_ns >= connect_deadline_ns_) {
    server_.abort(now_ns);
    refuse_client(ProxyEnd::BackendTimeout, now_ns);
  }
}

// RFC 9293 3.10.7.2 answer to a SYN we will not accept: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>. With a cookie the
// client leg is already synchronized and resets itself.
void SplitProxy::refuse_client(ProxyEnd why, uint64_t now_ns) {
  if (from_cookie_) {
    client_.abort(now_ns);
  } else if (client_sink_ != nullptr) {
    SegmentOut rst;
    rst.seq = 0;
    rst.ack = client_irs_ + 1;
    rst.flags = tcp_flag::RST | tcp_flag::ACK;
    client_sink_->send_segment(rst);
  }
  client_.reset();
  server_.reset();
  end(why);
  phase_ = ProxyPhase::Done;
}

void SplitProxy::relay(uint64_t now_ns) {
  if (!client_open_) {
    const TcpState state = client_.state();
    client_open_ = state != TcpState::SynReceived && state != TcpState::Closed;
    if (!client_open_ && now_ns >= connect_deadline_ns_) {  // a spoofed or vanished client: free the backend
      client_.abort(now_ns);
      server_.abort(now_ns);
      end(ProxyEnd::ClientTimeout);
      return;
    }
  }
  if (relay_ != nullptr) {
    if (relay_->relay(client_, server_, now_ns)) last_activity_ns_ = now_ns;
    if (relay_->wants_close() && !relay_closed_) {
      relay_closed_ = true;
      if (!client_.is_closed()) client_.close(now_ns);
      if (!server_.is_closed()) server_.close(now_ns);
      fin_sent_[0] = fin_sent_[1] = true;
    }
  } else {
    pump(client_, server_, Direction::ClientToServer, now_ns);
    pump(server_, client_, Direction::ServerToClient, now_ns);
  }
  carry_close(now_ns);
  if (phase_ == ProxyPhase::Relaying && now_ns >= last_activity_ns_ + config_.idle_timeout_ns) {
    client_.abort(now_ns);
    server_.abort(now_ns);
    end(ProxyEnd::IdleTimeout);
  }
}

// Moves what `to` can queue; the rest stays in `from`'s receive buffer, closing its advertised window.
void SplitProxy::pump(TcpEndpoint& from, TcpEndpoint& to, Direction d, uint64_t now_ns) {
  while (from.readable() > 0 && to.writable() > 0 && !to.is_closed()) {
    const std::string_view available = from.read_view();
    const uint32_t room = to.writable();
    const std::string_view chunk = available.substr(0, std::min<size_t>(available.size(), room));
    const uint32_t written = to.write(chunk);
    if (written == 0) break;
    if (tap_ != nullptr) tap_->on_relayed(d, chunk.substr(0, written), now_ns);
    from.consume(written);
    relayed_[index_of(d)] += written;
    last_activity_ns_ = now_ns;
  }
}

// FIN crosses once everything before it has been handed over; an abnormal end crosses as RST.
void SplitProxy::carry_close(uint64_t now_ns) {
  if (ended_abnormally(client_) && !server_.is_closed()) {
    server_.abort(now_ns);
    end(ProxyEnd::ClientReset);
  }
  const bool client_side_drained = relay_ == nullptr || relay_->drained(Direction::ClientToServer);
  const bool server_side_drained = relay_ == nullptr || relay_->drained(Direction::ServerToClient);
  // What the backend said before its RST (a 221 to QUIT, then RST: common after TLS close_notify) still reaches
  // the client: with a StreamRelay the RST crosses once the relay has nothing of the backend's left to write.
  if (ended_abnormally(server_) && !client_.is_closed() &&
      (relay_ == nullptr || (server_.readable() == 0 && server_side_drained))) {
    client_.abort(now_ns);
    end(ProxyEnd::BackendReset);
  }
  if (!fin_sent_[0] && client_.peer_closed() && client_.readable() == 0 && client_side_drained &&
      !server_.is_closed()) {
    server_.close(now_ns);
    fin_sent_[0] = true;
  }
  if (!fin_sent_[1] && server_.peer_closed() && server_.readable() == 0 && server_side_drained &&
      !client_.is_closed()) {
    client_.close(now_ns);
    fin_sent_[1] = true;
  }
}

void SplitProxy::end(ProxyEnd why) {
  if (end_ == ProxyEnd::None) end_ = why;
}

}  // namespace sluice::reassembly
