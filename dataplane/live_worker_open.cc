// dataplane/live_worker_open.cc — LiveWorker: what a segment of no known connection becomes. A proxied session
// (SYN, or the ACK of a valid SYN cookie), a SYN cookie when too many openings are unfinished, a 421 to a client
// over its connection limit or when every session is in use (RES-2), a DNAT pass-through entry, or a drop/RST by
// the default-deny rule; the pass-through forwarding itself; and a session's slot taken and given back.
// The poll loop, session servicing and timers are in live_worker.cc.
#include <rte_mbuf.h>
#include <rte_random.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/live_worker.h"
#include "dataplane/nat_rewrite.h"
#include "dataplane/segment_codec.h"
#include "reassembly/tcp_options.h"

namespace sluice::dataplane {

namespace flag = reassembly::tcp_flag;

// A segment to the outside port that belongs to no connection: a new one, a cookie's ACK, or nothing of ours.
void LiveWorker::new_connection(Frame& f) {
  if (topology_.is_inside_or_own_address(f.src)) {   // spoofed: it would dial the backend as itself, or a loop
    counters_.drops_spoofed_source.add();
    trace_frame(Side::Outside, f, "dropped: an inside or own address as the source on the outside port");
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  const VipPort* vip = topology_.find_vip_port(f.dst, f.tcp.dst_port);
  if (vip == nullptr) {
    counters_.drops_no_policy.add();
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  const uint8_t flags = f.tcp.flags;
  const bool syn = (flags & (flag::SYN | flag::ACK | flag::RST | flag::FIN)) == flag::SYN;
  if (!vip->inspected) {
    if (syn) {
      open_passthrough(f, *vip);
      return;
    }
    counters_.drops_no_session.add();
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  if (syn && control_ != nullptr && control_->paused.load(std::memory_order_relaxed)) {   // execute pause
    counters_.sessions_paused_refused.add();
    trace_frame(Side::Outside, f, "refused with RST: new sessions are paused");
    refuse(Side::Outside, f);
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  if (syn && vip->tls != nullptr && tls_blocked_.blocked(f.src, *clock_ns_)) {   // unsupported-ssl-* block
    counters_.tls_blocked.add();
    refuse(Side::Outside, f);
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  if (syn) {
    reassembly::TcpSynOptions options;
    if (!reassembly::parse_tcp_options(f.tcp.options.data(), f.tcp.options.size(), &options)) {
      counters_.drops_malformed.add();
    } else if (client_at_limit(f.src) || pool_full()) {
      send_cookie(f, options);   // refused with 421 once the handshake completes (refuse_with_421)
    } else if (counters_.sessions_half_open.get() < settings_.max_half_open) {
      open_session(f, *vip, options);
    } else if (settings_.syn_cookies) {
      send_cookie(f, options);
    } else {
      counters_.drops_table_full.add();
    }
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  const bool plain_ack = (flags & (flag::SYN | flag::ACK | flag::RST)) == flag::ACK;
  // Cookies are made for floods (syn-cookies) and for every refusal with 421, so an ACK is always checked.
  if (plain_ack && open_from_cookie(f, *vip)) {
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  // RFC 9293 3.10.7.1: a segment for no connection gets a RST (never in answer to a RST), so a client that
  // outlived a restart of the appliance learns it at once.
  if (plain_ack) counters_.syn_cookies_rejected.add();
  counters_.drops_no_session.add();
  refuse(Side::Outside, f);
  rte_pktmbuf_free(f.mbuf);
}

void LiveWorker::begin_session(ProxySession& session, const SessionAddresses& a, const VipPort& vip) {
  const scan::PolicySnapshot* snapshot = inspector_.snapshot;
  session.use_snapshot(snapshot);
  pins_.pin(snapshot);
  const bool traced = trace_.active() && trace_.filter().matches(a.client, a.client_port, a.vip, a.vip_port,
                                                                  a.backend, a.backend_port, vip.vip_name);
  session.trace_to(traced ? &trace_ : nullptr);
  const uint64_t flow_id = next_flow_id_++;
  session.start(a, outside_, inside_, clock_ns_, flow_id, vip.tls);
  client_counts_.add(client_key(a.client, settings_.client_v6_prefix));   // until its leg closes (settle, release)
  session.counted_client = true;
  if (traced) {
    char client[48], backend[48];
    trace_.line(*clock_ns_, flow_id, "session opened: vip \"%s\" client %s:%u -> backend %s:%u, policy v%llu%s",
                vip.vip_name.c_str(), std::string(a.client.format(client)).c_str(), a.client_port,
                std::string(a.backend.format(backend)).c_str(), a.backend_port,
                static_cast<unsigned long long>(snapshot->version), vip.tls != nullptr ? ", TLS profile" : "");
  }
}

void LiveWorker::open_session(Frame& f, const VipPort& vip, const reassembly::TcpSynOptions& client_options) {
  ProxySession* session = acquire_session();
  if (session == nullptr) {
    counters_.drops_table_full.add();
    counters_.sessions_refused.add();
    refuse(Side::Outside, f);
    return;
  }
  SessionAddresses a{f.src, f.dst, vip.mappedip, f.tcp.src_port, f.tcp.dst_port, vip.mapped_port};
  begin_session(*session, a, vip);
  if (!conns_.insert(session->outside_key(), {ConnKind::Proxy, session->index()}) ||
      !conns_.insert(session->inside_key(), {ConnKind::Proxy, session->index()})) {
    conns_.erase(session->outside_key());
    counters_.drops_table_full.add();
    release(*session);
    return;
  }
  session->proxy().open(to_segment(f.tcp), client_options, static_cast<uint32_t>(rte_rand()),
                        static_cast<uint32_t>(rte_rand()), *clock_ns_);
  session->counted_half_open = true;
  counters_.sessions_half_open.add();
  mark(*session);
}

reassembly::CookieTuple LiveWorker::cookie_tuple(const Frame& f) const {
  reassembly::CookieTuple tuple{};
  std::memcpy(tuple.client_addr, f.src.data(), 16);
  std::memcpy(tuple.server_addr, f.dst.data(), 16);
  tuple.client_port = f.tcp.src_port;
  tuple.server_port = f.tcp.dst_port;
  return tuple;
}

// RFC 4987 SYN cookie: the SYN-ACK carries all the state; nothing is kept until a valid ACK returns. Only
// the MSS survives the round trip (no timestamps to hide window scale or SACK in), so neither is offered.
void LiveWorker::send_cookie(const Frame& f, const reassembly::TcpSynOptions& client_options) {
  const uint32_t cookie = cookies_->make(cookie_tuple(f), f.tcp.seq, client_options.mss, *clock_ns_);
  reassembly::TcpSynOptions ours;
  ours.mss = topology_.outside.mss(f.src.is_v4());
  uint8_t options[kMaxTcpOptionsLen];
  const size_t options_length = reassembly::encode_syn_options(ours, options);
  TcpFrameSpec spec;
  spec.src_ip = f.dst;
  spec.dst_ip = f.src;
  spec.src_port = f.tcp.dst_port;
  spec.dst_port = f.tcp.src_port;
  spec.seq = cookie;
  spec.ack = f.tcp.seq + 1;
  spec.flags = kTcpSyn | kTcpAck;
  spec.window = static_cast<uint16_t>(std::min<uint32_t>(settings_.proxy.client_leg.receive_buffer, 65535));
  spec.options = std::span<const uint8_t>(options, options_length);
  outside_.send_tcp(spec, *clock_ns_);
  counters_.syn_cookies_sent.add();
}

bool LiveWorker::open_from_cookie(Frame& f, const VipPort& vip) {
  uint16_t mss = 0;
  if (!cookies_->check(cookie_tuple(f), f.tcp.seq - 1, f.tcp.ack - 1, *clock_ns_, &mss)) return false;
  const bool client_limit = client_at_limit(f.src);
  if (client_limit || pool_full()) {
    refuse_with_421(f, client_limit);
    return true;
  }
  ProxySession* session = acquire_session();
  if (session == nullptr) {
    counters_.drops_table_full.add();
    return false;
  }
  SessionAddresses a{f.src, f.dst, vip.mappedip, f.tcp.src_port, f.tcp.dst_port, vip.mapped_port};
  begin_session(*session, a, vip);
  if (!conns_.insert(session->outside_key(), {ConnKind::Proxy, session->index()}) ||
      !conns_.insert(session->inside_key(), {ConnKind::Proxy, session->index()})) {
    conns_.erase(session->outside_key());
    release(*session);
    return false;
  }
  reassembly::TcpSynOptions peer;
  peer.mss = mss;  // window_scale -1, no SACK: the cookie SYN-ACK offered neither
  session->proxy().open_from_cookie(f.tcp.ack - 1, f.tcp.seq - 1, peer, f.tcp.window,
                                    static_cast<uint32_t>(rte_rand()), *clock_ns_);
  // The ACK may already carry the client's first bytes.
  if (!f.tcp.payload.empty()) session->proxy().on_client_segment(to_segment(f.tcp), nullptr, *clock_ns_);
  session->counted_half_open = true;
  counters_.sessions_half_open.add();
  counters_.syn_cookies_accepted.add();
  mark(*session);
  return true;
}

void LiveWorker::open_passthrough(Frame& f, const VipPort& vip) {
  PassthroughEntry* entry = passthrough_.acquire();
  if (entry == nullptr) {
    counters_.drops_table_full.add();
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  entry->client = f.src;
  entry->client_port = f.tcp.src_port;
  entry->vip = f.dst;
  entry->vip_port = f.tcp.dst_port;
  entry->backend = vip.mappedip;
  entry->backend_port = vip.mapped_port;
  entry->last_seen_ns = *clock_ns_;
  const uint32_t index = passthrough_.index_of(*entry);
  conns_.insert(entry->outside_key(), {ConnKind::Passthrough, index});
  conns_.insert(entry->inside_key(), {ConnKind::Passthrough, index});
  counters_.passthrough_opened.add();
  counters_.passthrough_open.set(passthrough_.in_use());
  forward_passthrough(Side::Outside, f, *entry);
}

void LiveWorker::forward_passthrough(Side side, Frame& f, PassthroughEntry& entry) {
  const bool from_client = side == Side::Outside;
  PassthroughTable::observe(entry, f.tcp.flags, from_client, *clock_ns_);
  LinkIo& out = io(from_client ? Side::Inside : Side::Outside);
  const IpAddr& destination = from_client ? entry.backend : entry.client;
  MacAddress& cached = from_client ? entry.backend_mac : entry.client_mac;
  uint64_t& cached_at = from_client ? entry.backend_mac_ns : entry.client_mac_ns;
  bool& known = from_client ? entry.backend_mac_known : entry.client_mac_known;
  if (!known || *clock_ns_ - cached_at > PassthroughEntry::kMacCacheNs) {
    const std::optional<MacAddress> mac = out.next_hop_mac(destination, *clock_ns_);
    known = mac.has_value();
    if (mac) {
      cached = *mac;
      cached_at = *clock_ns_;
    }
  }
  NatRewrite rewrite;
  rewrite.side = from_client ? NatSide::Destination : NatSide::Source;
  rewrite.address = from_client ? entry.backend : entry.vip;
  rewrite.port = from_client ? entry.backend_port : entry.vip_port;
  rewrite.src_mac = out.link().mac;
  rewrite.dst_mac = cached;
  uint8_t* data = rte_pktmbuf_mtod(f.mbuf, uint8_t*);
  if (apply_nat(data, f.length, rewrite) != NatResult::Rewritten) {
    counters_.drops_malformed.add();
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  counters_.passthrough_packets.add();
  if (known) {
    out.send_ready(f.mbuf);
  } else {
    out.send_rewritten(f.mbuf, destination, *clock_ns_);  // held until ARP/ND answers
  }
}

ProxySession* LiveWorker::acquire_session() {
  if (!free_sessions_.empty()) {
    ProxySession* session = sessions_[free_sessions_.back()].get();
    free_sessions_.pop_back();
    ++sessions_in_use_;
    counters_.sessions_opened.add();
    counters_.sessions_open.add();
    return session;
  }
  if (sessions_.size() >= settings_.max_sessions) return nullptr;
  // Allocation happens here, when a connection opens, and only until the pool has reached its peak.
  reassembly::SplitProxyConfig config = settings_.proxy;
  sessions_.push_back(std::make_unique<ProxySession>(static_cast<uint32_t>(sessions_.size()), config, inspector_,
                                                     settings_.relay, slice_, settings_.client_deadlines, &tls_));
  ++sessions_in_use_;
  counters_.sessions_opened.add();
  counters_.sessions_open.add();
  return sessions_.back().get();
}

void LiveWorker::release(ProxySession& session) {
  wheel_.cancel(&session.timer());
  if (session.counted_half_open) {
    session.counted_half_open = false;
    counters_.sessions_half_open.sub();
  }
  uncount_client(session);
  session.finish();
  pins_.unpin(session.snapshot());
  if (FlowTrace* t = session.trace()) t->line(*clock_ns_, session.flow_id(), "session closed");
  session.reset_reports();
  free_sessions_.push_back(session.index());
  --sessions_in_use_;
  counters_.sessions_open.sub();
  counters_.sessions_closed.add();
}

bool LiveWorker::client_at_limit(const IpAddr& client) const {
  return settings_.max_client_sessions != 0 &&
         client_counts_.count(client_key(client, settings_.client_v6_prefix)) >= settings_.max_client_sessions;
}

void LiveWorker::uncount_client(ProxySession& session) {
  if (!session.counted_client) return;
  session.counted_client = false;
  client_counts_.remove(client_key(session.addresses().client, settings_.client_v6_prefix));
}

// The client's handshake completed on a cookie and no session is opened for it: one segment carries the 421 and
// our FIN, as Postfix answers over smtpd_client_connection_count_limit, and no backend is dialled. Nothing is
// kept: the client's ACK of it and its own FIN find no connection and get RFC 9293's RST, by which time the
// reply is in its receive queue.
void LiveWorker::refuse_with_421(const Frame& f, bool client_limit) {
  char text[96];
  char address[48];
  const int length =
      client_limit ? std::snprintf(text, sizeof text, "421 4.7.0 Error: too many connections from %.*s\r\n",
                                   static_cast<int>(f.src.format(address).size()), address)
                   : std::snprintf(text, sizeof text, "421 4.7.0 Error: too many connections\r\n");
  (client_limit ? counters_.sessions_refused_client_limit : counters_.sessions_refused_table_full).add();
  counters_.sessions_refused.add();
  TcpFrameSpec spec;
  spec.src_ip = f.dst;
  spec.dst_ip = f.src;
  spec.src_port = f.tcp.dst_port;
  spec.dst_port = f.tcp.src_port;
  spec.seq = f.tcp.ack;
  spec.ack = f.tcp.seq + static_cast<uint32_t>(f.tcp.payload.size()) + ((f.tcp.flags & flag::FIN) ? 1 : 0);
  spec.flags = kTcpAck | kTcpPsh | kTcpFin;
  spec.window = static_cast<uint16_t>(std::min<uint32_t>(settings_.proxy.client_leg.receive_buffer, 65535));
  spec.payload[0] = std::string_view(text, static_cast<size_t>(std::max(length, 0)));
  outside_.send_tcp(spec, *clock_ns_);
  trace_frame(Side::Outside, f, client_limit ? "refused with 421: max-connections-per-client"
                                             : "refused with 421: every session in use");
}

void LiveWorker::refuse(Side side, const Frame& f) {
  if (f.tcp.flags & flag::RST) return;
  io(side).send_built([&](uint8_t* out, size_t capacity) {
    return build_tcp_rst_for(f.data, f.length, io(side).next_ip_id(), out, capacity).length;
  });
}

}  // namespace sluice::dataplane
