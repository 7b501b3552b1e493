// dataplane/live_worker.cc — see live_worker.h.
#include "dataplane/live_worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "dataplane/arp.h"
#include "scan/inspector/component_limits.h"
#include "dataplane/icmp.h"
#include "dataplane/ndp.h"
#include "dataplane/rx_checksum_mbuf.h"
#include "dataplane/segment_codec.h"
#include "reassembly/tcp_options.h"

namespace sluice::dataplane {

namespace flag = reassembly::tcp_flag;

namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000ull;
constexpr uint64_t kNsPerMs = 1'000'000ull;
constexpr uint64_t kTimerCheckNs = kNsPerMs / 4;  // a quarter of the wheel's tick: deadlines are late < 1.25 ms

// Written in place (see ConnKey::fill for why not by value).
void read_address(const uint8_t* p, bool v4, IpAddr& out) {
  if (v4) {
    std::memcpy(out.bytes.data(), IpAddr::kMappedPrefix.data(), 12);
    std::memcpy(out.bytes.data() + 12, p, 4);
  } else {
    std::memcpy(out.bytes.data(), p, 16);
  }
}

reassembly::TcpEndpointConfig endpoint_config(const control::Policy& policy, uint16_t mss) {
  const control::TcpSettings& tcp = policy.tcp;
  reassembly::TcpEndpointConfig config;
  config.send_buffer = tcp.send_buffer_kb * 1024;
  config.receive_buffer = tcp.receive_buffer_kb * 1024;
  config.mss = mss;
  config.window_scale = static_cast<uint8_t>(tcp.window_scale);
  config.sack_permitted = tcp.sack;
  config.rto_initial_ms = tcp.rto_initial_ms;
  config.rto_min_ms = tcp.rto_min_ms;
  config.rto_max_ms = tcp.rto_max_ms;
  config.max_retransmits = tcp.max_retransmits;
  config.syn_retries = tcp.syn_retries;
  config.time_wait_ms = tcp.time_wait_s * 1000;
  config.fin_wait2_ms = tcp.fin_wait2_s * 1000;
  // Out-of-order bytes can never exceed what the window lets the peer send.
  config.ooo_bytes = config.receive_buffer;
  config.ooo_segments = policy.session.reassembly_segments;
  return config;
}

}  // namespace

LiveWorkerSettings live_worker_settings(const control::Policy& policy) {
  LiveWorkerSettings s;
  s.max_sessions = policy.session.max_flows;
  s.max_passthrough = policy.session.max_flows;
  s.max_half_open = policy.tcp.max_half_open;
  s.syn_cookies = policy.tcp.syn_cookies;
  s.max_client_sessions = policy.session.max_connections_per_client;
  s.client_v6_prefix = policy.session.client_v6_prefix;
  s.relay = scan::relay_config_from(policy);
  s.slice_cycles = policy.scan.slice_cycles;
  s.verdict_timeout_ms = policy.scan.verdict_timeout_ms;
  s.client_deadlines.command_ns = policy.smtp.command_timeout_s * kNsPerSecond;
  s.client_deadlines.min_data_rate = policy.smtp.min_data_rate;
  // One MSS for both families: the IPv6 value of the smallest MTU (IPv4 peers lose 20 bytes per segment,
  // which keeps the pooled endpoints family-agnostic).
  uint32_t mtu = 1500;
  for (const control::Interface& i : policy.interfaces) mtu = std::min(mtu, i.mtu);
  const uint16_t mss = static_cast<uint16_t>(mtu - 60);
  s.proxy.client_leg = endpoint_config(policy, mss);
  s.proxy.server_leg = endpoint_config(policy, mss);
  s.proxy.connect_timeout_ns = policy.tcp.connect_timeout_s * kNsPerSecond;
  s.proxy.idle_timeout_ns = policy.session.idle_timeout_s * kNsPerSecond;
  s.passthrough.idle_ns = policy.session.idle_timeout_s * kNsPerSecond;
  s.passthrough.embryonic_ns = policy.tcp.connect_timeout_s * kNsPerSecond;
  s.passthrough.closed_ns = policy.tcp.time_wait_s * kNsPerSecond;
  s.neighbours.reachable_ns = policy.tcp.neighbour_timeout_s * kNsPerSecond;
  s.fragments = {policy.session.fragment_datagrams, policy.session.fragment_timeout_ms * kNsPerMs,
                 policy.session.fragments_per_datagram, RTE_MBUF_DEFAULT_DATAROOM};   // ports.cc's mbuf size
  return s;
}

LiveWorker::LiveWorker(const LiveWorkerSettings& settings, const LiveTopology& topology, rte_mempool* pool,
                       const scan::InspectorContext& inspector, uint64_t* clock_ns)
    : settings_(settings),
      topology_(topology),
      pool_(pool),
      inspector_(inspector),
      clock_ns_(clock_ns),
      counters_(settings.counters != nullptr ? *settings.counters : own_counters_),
      outside_(topology.outside, settings.neighbours, pool, counters_, settings.placement.queue),
      inside_(topology.inside, settings.neighbours, pool, counters_, settings.placement.queue),
      passthrough_(settings.max_passthrough, settings.passthrough),
      wheel_(reassembly::TimerWheelConfig{}, 0),
      fragments_(settings.fragments, rte_rand()) {
  uint8_t key[16];
  for (int i = 0; i < 16; i += 8) {
    const uint64_t r = rte_rand();
    for (int b = 0; b < 8; ++b) key[i + b] = static_cast<uint8_t>(r >> (8 * b));
  }
  cookies_ = std::make_unique<reassembly::SynCookies>(key);
  for (int i = 0; i < 16; ++i) key[i] ^= static_cast<uint8_t>(rte_rand());   // its own key for the client table
  client_counts_.init(settings.max_client_sessions != 0 ? settings.max_sessions : 0, key);
  sessions_.reserve(settings.max_sessions);
  free_sessions_.reserve(settings.max_sessions);
  marked_.reserve(1024);
  carried_.reserve(1024);
  tsc_hz_ = rte_get_tsc_hz();
  tls_.blocked = &tls_blocked_;
  greylist_ = std::make_unique<scan::envelope::Greylist>(inspector.snapshot->policy.greylist);
  inspector_.greylist = greylist_.get();
  inspector_.tsc_hz = tsc_hz_;
  slice_.tsc_hz = tsc_hz_;
  counters_.tsc_hz.set(tsc_hz_);
  slice_.verdict_timeout_cycles =
      static_cast<uint64_t>(static_cast<unsigned __int128>(tsc_hz_) * settings.verdict_timeout_ms / 1000);
  ns_per_cycle_q32_ = static_cast<uint64_t>((static_cast<unsigned __int128>(kNsPerSecond) << 32) / tsc_hz_);
  const uint32_t workers = settings.placement.mesh != nullptr ? settings.placement.mesh->workers() : 1;
  redirect_staged_.resize(workers);
  redirect_counts_.assign(workers, 0);
}

LiveWorker::~LiveWorker() = default;

bool LiveWorker::init(const std::string& name, int socket_id, std::string* error) {
  tick_clock();
  wheel_.advance(*clock_ns_, [](reassembly::TimerEntry*) {});
  return conns_.init(name, 2 * (settings_.max_sessions + settings_.max_passthrough), socket_id, error);
}

// ns = cycles * (1e9 / hz), as a 32.32 fixed-point multiply: no division on the per-poll path.
void LiveWorker::tick_clock() {
  const uint64_t cycles = rte_get_tsc_cycles();
  *clock_ns_ = static_cast<uint64_t>((static_cast<unsigned __int128>(cycles) * ns_per_cycle_q32_) >> 32);
}

void LiveWorker::run(const std::atomic<bool>& stop) {
  constexpr uint32_t kIdlePollsBeforeSleep = 1000;
  uint32_t idle_polls = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    idle_polls = poll_once() == 0 ? idle_polls + 1 : 0;
    if (settings_.idle_sleep_us != 0 && idle_polls >= kIdlePollsBeforeSleep) {
      std::this_thread::sleep_for(std::chrono::microseconds(settings_.idle_sleep_us));
    }
  }
  tick_clock();
  for (auto& session : sessions_) {
    if (session->proxy().phase() != reassembly::ProxyPhase::Done) {
      session->proxy().abort(*clock_ns_);
      settle(*session);
    }
  }
  outside_.flush();
  inside_.flush();
}

uint32_t LiveWorker::poll_once() {
  tick_clock();
  const uint64_t start_cycles = rte_get_tsc_cycles();
  if (control_ != nullptr) serve_control();
  const uint32_t received = receive(Side::Outside) + receive(Side::Inside) + receive_redirected();
  if (tls_.legs != nullptr) {   // legs whose offloaded crypto finished (or a TLS lcore produced output)
    tls_.legs->poll([this](uint32_t session) { mark(*sessions_[session]); });
    publish_tls_counters();
  }
  const bool work = received > 0 || !marked_.empty();
  service_marked();
  if (*clock_ns_ >= next_timer_check_ns_) {  // the wheel moves in 1 ms ticks: look once per tick
    fire_timers();
    service_marked();
    next_timer_check_ns_ = *clock_ns_ + kTimerCheckNs;
  }
  if (*clock_ns_ >= next_sweep_ns_) {  // by time, not per poll: each visited entry is a likely cache miss
    passthrough_.sweep(*clock_ns_, settings_.sweep_step, conns_);
    counters_.passthrough_open.set(passthrough_.in_use());
    next_sweep_ns_ = *clock_ns_ + settings_.sweep_interval_ns;
  }
  outside_.release_held(*clock_ns_);
  inside_.release_held(*clock_ns_);
  outside_.flush();
  inside_.flush();
  // Cycles of iterations that had frames or sessions to serve: the core's work, without its empty polls (a
  // benchmark divides by it to report per-core rates of a poll-mode core that is not saturated).
  if (registry_ != nullptr) report_snapshots();
  if (work) counters_.busy_cycles.add(rte_get_tsc_cycles() - start_cycles);
  return received;
}

// One burst from this worker's own rx queue of the port.
uint32_t LiveWorker::receive(Side side) {
  const WorkerPlacement& place = settings_.placement;
  const uint16_t queues = side == Side::Outside ? place.outside_rx_queues : place.inside_rx_queues;
  if (place.queue >= queues) return 0;   // a single-queue port: worker 0 receives, the owner gets a hand-over
  rte_mbuf* burst[kMaxBurst];
  const uint16_t received = rte_eth_rx_burst(io(side).link().port_id, place.queue, burst,
                                             std::min<uint16_t>(settings_.rx_burst, kMaxBurst));
  if (received == 0) return 0;
  counters_.rx_packets.add(received);
  handle_burst(side, burst, received, false);
  return received;
}

uint32_t LiveWorker::receive_redirected() {
  RedirectMesh* mesh = settings_.placement.mesh;
  if (mesh == nullptr || mesh->workers() == 1) return 0;
  const uint32_t self = settings_.placement.index;
  uint32_t total = 0;
  for (uint32_t from = 0; from < mesh->workers(); ++from) {
    if (from == self) continue;
    rte_mbuf* got[kMaxBurst];
    const uint32_t n = mesh->receive(self, from, got, kMaxBurst);
    if (n == 0) continue;
    total += n;
    // One call per side, each keeping the order the frames were handed over in.
    rte_mbuf* by_side[2][kMaxBurst];
    uint16_t counts[2] = {0, 0};
    for (uint32_t i = 0; i < n; ++i) {
      const int s = side_of_port(got[i]->port) == Side::Outside ? 0 : 1;
      by_side[s][counts[s]++] = got[i];
    }
    if (counts[0] > 0) handle_burst(Side::Outside, by_side[0], counts[0], true);
    if (counts[1] > 0) handle_burst(Side::Inside, by_side[1], counts[1], true);
  }
  return total;
}

// One burst: prefetch every frame, classify each (non-TCP answered or dropped here), hand frames another worker
// owns to it, look the rest up in one bulk call, then hand each to its connection in arrival order.
void LiveWorker::handle_burst(Side side, rte_mbuf** burst, uint16_t received, bool from_mesh) {
  // Two dependent misses per frame (the mbuf, then its data): headers first, data a few frames ahead.
  for (uint16_t i = 0; i < received; ++i) rte_prefetch0(burst[i]);
  for (uint16_t i = 0; i < received && i < kPrefetchAhead; ++i) rte_prefetch0(rte_pktmbuf_mtod(burst[i], void*));
  Frame* frames = burst_frames_.data();  // members, not locals: nothing is zeroed per burst
  ConnKey* keys = burst_keys_.data();
  const FlowSteering* steering = settings_.placement.steering;
  const uint32_t self = settings_.placement.index;
  uint32_t tcp = 0;
  for (uint16_t i = 0; i < received; ++i) {
    if (i + kPrefetchAhead < received) rte_prefetch0(rte_pktmbuf_mtod(burst[i + kPrefetchAhead], void*));
    Frame& f = frames[tcp];
    if (!classify(side, burst[i], from_mesh, f)) continue;
    if (steering != nullptr) {   // every frame, whatever queue it came from: the owner is the only judge
      const uint32_t owner = steering->owner(side, f.tcp.src_port, f.tcp.dst_port);
      if (owner != self) {
        redirect(side, burst[i], owner);
        continue;
      }
    }
    if (trace_.active()) trace_frame(side, f, "received");
    keys[tcp].fill(side, f.src, f.tcp.src_port, f.dst, f.tcp.dst_port);
    ++tcp;
  }
  flush_redirects();
  counters_.tcp_frames_owned.add(tcp);
  if (from_mesh) counters_.redirected_in.add(received);
  ConnRef refs[kMaxBurst];
  bool found[kMaxBurst];
  conns_.find_bulk(keys, tcp, refs, found);
  for (uint32_t i = 0; i < tcp; ++i) {
    // A connection opened by an earlier frame of this burst was not in the table at lookup time.
    const std::optional<ConnRef> ref = found[i] ? std::optional<ConnRef>(refs[i]) : conns_.find(keys[i]);
    handle_tcp(side, frames[i], ref);
  }
}

void LiveWorker::redirect(Side side, rte_mbuf* mbuf, uint32_t owner) {
  mbuf->port = io(side).link().port_id;   // not every PMD sets it (net_ring does not); the owner reads the side
  mbuf->hash.usr = static_cast<uint32_t>(Handover::Owned);
  redirect_staged_[owner][redirect_counts_[owner]++] = mbuf;
}

void LiveWorker::flush_redirects() {
  RedirectMesh* mesh = settings_.placement.mesh;
  if (mesh == nullptr) return;
  for (uint32_t to = 0; to < redirect_counts_.size(); ++to) {
    const uint16_t n = redirect_counts_[to];
    if (n == 0) continue;
    const uint32_t sent = mesh->send(settings_.placement.index, to, redirect_staged_[to].data(), n);
    counters_.redirected_out.add(sent);
    if (sent < n) {
      counters_.redirect_dropped.add(n - sent);
      rte_pktmbuf_free_bulk(redirect_staged_[to].data() + sent, n - sent);
    }
    redirect_counts_[to] = 0;
  }
}

void LiveWorker::share_neighbour_frame(Side side, rte_mbuf* mbuf) {
  RedirectMesh* mesh = settings_.placement.mesh;
  if (mesh == nullptr || mesh->workers() == 1) return;
  mbuf->port = io(side).link().port_id;
  mbuf->hash.usr = static_cast<uint32_t>(Handover::LearnOnly);
  for (uint32_t to = 0; to < mesh->workers(); ++to) {
    if (to == settings_.placement.index) continue;
    rte_mbuf_refcnt_update(mbuf, 1);   // one reference per receiver; the bytes are read, never written
    if (mesh->send(settings_.placement.index, to, &mbuf, 1) == 1) {
      counters_.redirected_out.add();
    } else {
      counters_.redirect_dropped.add();
      rte_pktmbuf_free(mbuf);   // gives that reference back
    }
  }
}

// A copy of an ARP/ND frame another worker already answered: learn the neighbour, send nothing.
void LiveWorker::learn_only(Side side, const Frame& f, bool arp) {
  LinkIo& link = io(side);
  const LocalAddresses local{link.link().mac, local_addresses(side)};
  uint8_t discard[128];
  if (arp) {
    handle_arp(f.data, f.length, local, link.neighbours(), *clock_ns_, discard, sizeof discard);
  } else {
    handle_ndp(f.data, f.length, local, link.neighbours(), *clock_ns_, discard, sizeof discard);
  }
}

const std::vector<IpAddr>& LiveWorker::local_addresses(Side side) const {
  return side == Side::Outside ? topology_.outside_addresses : topology_.inside_addresses;
}

bool LiveWorker::classify(Side side, rte_mbuf* mbuf, bool from_mesh, Frame& f) {
  // Field by field (no temporary Frame): every field read later is written on the way below.
  f.mbuf = mbuf;
  f.data = rte_pktmbuf_mtod(mbuf, const uint8_t*);
  f.length = rte_pktmbuf_data_len(mbuf);
  const FrameKind kind = locate_layers(f.data, f.length, f.layout);
  const bool learn_copy = from_mesh && mbuf->hash.usr == static_cast<uint32_t>(Handover::LearnOnly);
  if (kind == FrameKind::Arp) {
    if (learn_copy) {
      learn_only(side, f, true);
    } else {
      answer_arp(side, f);
      share_neighbour_frame(side, mbuf);
    }
    rte_pktmbuf_free(mbuf);
    return false;
  }
  if (kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) {
    (kind == FrameKind::Malformed ? counters_.drops_malformed : counters_.drops_not_ip).add();
    rte_pktmbuf_free(mbuf);
    return false;
  }
  if (f.layout.fragment && !reassemble(side, f)) return false;   // TCP-6: the whole datagram goes on, or nothing
  const bool v4 = kind == FrameKind::Ipv4;
  const uint8_t* l3 = f.data + f.layout.l3_offset;
  read_address(l3 + (v4 ? 12 : 8), v4, f.src);
  read_address(l3 + (v4 ? 16 : 24), v4, f.dst);
  if (f.layout.l4_protocol == kIpProtoIcmp || f.layout.l4_protocol == kIpProtoIcmpv6) {
    const bool neighbour_discovery = f.layout.l4_protocol == kIpProtoIcmpv6 && f.layout.l4_len > 0 &&
                                     (f.data[f.layout.l4_offset] == 135 || f.data[f.layout.l4_offset] == 136);
    if (learn_copy) {
      if (neighbour_discovery) learn_only(side, f, false);
    } else {
      answer_icmp(side, f);
      if (neighbour_discovery) share_neighbour_frame(side, mbuf);
    }
    rte_pktmbuf_free(mbuf);
    return false;
  }
  if (f.layout.l4_protocol != kIpProtoTcp || !read_tcp_header(f.data, f.layout, &f.tcp)) {
    (f.layout.l4_protocol == kIpProtoTcp ? counters_.drops_malformed : counters_.drops_no_policy).add();
    rte_pktmbuf_free(mbuf);
    return false;
  }
  return true;
}

void LiveWorker::answer_arp(Side side, const Frame& f) {
  LinkIo& link = io(side);
  const LocalAddresses local{link.link().mac, local_addresses(side)};
  ArpAction action = ArpAction::Ignored;
  link.send_built([&](uint8_t* out, size_t capacity) {
    const ArpResult result = handle_arp(f.data, f.length, local, link.neighbours(), *clock_ns_, out, capacity);
    action = result.action;
    return result.action == ArpAction::Reply ? result.reply_len : 0;
  });
  if (action == ArpAction::Reply) counters_.arp_replies.add();
}

void LiveWorker::answer_icmp(Side side, const Frame& f) {
  LinkIo& link = io(side);
  const LocalAddresses local{link.link().mac, local_addresses(side)};
  if (f.layout.l4_protocol == kIpProtoIcmpv6) {
    NdpAction action = NdpAction::NotNdp;
    link.send_built([&](uint8_t* out, size_t capacity) {
      const NdpResult result = handle_ndp(f.data, f.length, local, link.neighbours(), *clock_ns_, out, capacity);
      action = result.action;
      return result.action == NdpAction::Reply ? result.reply_len : 0;
    });
    if (action == NdpAction::Reply) counters_.nd_advertisements.add();
    if (action != NdpAction::NotNdp) return;
  }
  if (!local.owns(f.dst)) return;
  const bool sent = link.send_built(
      [&](uint8_t* out, size_t capacity) { return build_echo_reply(f.data, f.length, local, out, capacity); });
  if (sent) counters_.icmp_echo_replies.add();
}

void LiveWorker::handle_tcp(Side side, Frame& f, const std::optional<ConnRef>& ref) {
  if (ref && ref->kind == ConnKind::Passthrough) {   // the endpoint's stack judges them (DNAT keeps a bad sum bad)
    forward_passthrough(side, f, passthrough_.at(ref->index));
    return;
  }
  // THREATS TCP-3: Sluice is this segment's endpoint, and a segment whose checksums fail is chaff, not data: kept,
  // it would be the first copy of its bytes and the real one a duplicate.
  if (!rx_tcp_checksums_ok(f.mbuf, f.data, f.layout)) {
    counters_.drops_bad_checksum.add();
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  if (ref) {
    deliver_to_session(side, f, *sessions_[ref->index]);
    rte_pktmbuf_free(f.mbuf);
    return;
  }
  if (side == Side::Outside) {
    new_connection(f);
    return;
  }
  counters_.drops_no_session.add();
  rte_pktmbuf_free(f.mbuf);
}

void LiveWorker::deliver_to_session(Side side, const Frame& f, ProxySession& session) {
  const reassembly::TcpSegment segment = to_segment(f.tcp);
  reassembly::TcpSynOptions options;
  const reassembly::TcpSynOptions* syn_options = nullptr;
  if (segment.has(flag::SYN)) {
    if (!reassembly::parse_tcp_options(f.tcp.options.data(), f.tcp.options.size(), &options)) {
      counters_.drops_malformed.add();
      return;
    }
    syn_options = &options;
  }
  if (side == Side::Outside) {
    session.proxy().on_client_segment(segment, syn_options, *clock_ns_);
  } else {
    session.proxy().on_server_segment(segment, syn_options, *clock_ns_);
  }
  mark(session);
}

void LiveWorker::mark(ProxySession& session) {
  if (session.queued) return;
  session.queued = true;
  marked_.push_back(&session);
}

void LiveWorker::service_marked() {
  // Sessions whose input waited for this iteration's slice go first, so a busy session cannot starve them.
  if (!carried_.empty()) {
    marked_.insert(marked_.begin(), carried_.begin(), carried_.end());
    carried_.clear();
  }
  slice_.cycles_left = static_cast<int64_t>(settings_.slice_cycles);
  // settle() may free a session; marked_ is only appended to by mark(), never while this loop runs.
  for (size_t i = 0; i < marked_.size(); ++i) {
    ProxySession& session = *marked_[i];
    session.queued = false;
    session.proxy().service(*clock_ns_);
    settle(session);
    if (session.proxy().has_pending_work() && !session.queued) {
      session.queued = true;
      carried_.push_back(&session);
    }
  }
  if (!carried_.empty() && slice_.cycles_left <= 0) counters_.scan_slices_spent.add();
  marked_.clear();
}

// After a session ran: keep the counters and the timer in step with it, free it when it is done.
void LiveWorker::settle(ProxySession& session) {
  reassembly::SplitProxy& proxy = session.proxy();
  if (session.counted_half_open && !proxy.half_open()) {
    session.counted_half_open = false;
    counters_.sessions_half_open.sub();
  }
  count_endpoint_deltas(session);
  // A client that has closed (or lost) its leg no longer holds a connection: TIME-WAIT is ours, not its.
  const reassembly::TcpState client_state = proxy.client_leg().state();
  if (session.counted_client && proxy.phase() == reassembly::ProxyPhase::Relaying &&
      (client_state >= reassembly::TcpState::FinWait1 || client_state == reassembly::TcpState::Closed)) {
    uncount_client(session);
  }
  if (proxy.phase() == reassembly::ProxyPhase::Done) {
    switch (proxy.end_reason()) {
      case reassembly::ProxyEnd::BackendRefused:
      case reassembly::ProxyEnd::BackendTimeout: counters_.sessions_refused.add(); break;
      case reassembly::ProxyEnd::ClientTimeout: counters_.sessions_handshake_expired.add(); break;
      case reassembly::ProxyEnd::ClientReset:
        counters_.sessions_reset.add();
        counters_.sessions_client_reset.add();
        break;
      case reassembly::ProxyEnd::BackendReset:
        counters_.sessions_reset.add();
        counters_.sessions_backend_reset.add();
        break;
      case reassembly::ProxyEnd::Completed: counters_.sessions_completed.add(); break;
      case reassembly::ProxyEnd::IdleTimeout: counters_.sessions_idle_expired.add(); break;
      default: counters_.sessions_reset.add(); break;
    }
    conns_.erase(session.outside_key());
    conns_.erase(session.inside_key());
    release(session);
    return;
  }
  const uint64_t next = proxy.next_timer_ns();
  if (next == UINT64_MAX) {
    wheel_.cancel(&session.timer());
  } else if (!session.timer().armed() || session.timer().deadline_ns != next) {
    wheel_.schedule(&session.timer(), next);
  }
}

void LiveWorker::count_endpoint_deltas(ProxySession& session) {
  const reassembly::SplitProxy& proxy = session.proxy();
  uint64_t totals[4] = {0, 0, 0, 0};
  for (const reassembly::TcpEndpoint* leg : {&proxy.client_leg(), &proxy.server_leg()}) {
    const reassembly::EndpointCounters& c = leg->counters();
    totals[0] += c.retransmits;
    totals[1] += c.out_of_order;
    totals[2] += c.duplicates;
    totals[3] += c.zero_window_probes;
  }
  Counter* targets[4] = {&counters_.retransmits, &counters_.out_of_order, &counters_.duplicates,
                         &counters_.zero_window_probes};
  for (int i = 0; i < 4; ++i) {
    if (totals[i] > session.reported[i]) targets[i]->add(totals[i] - session.reported[i]);
    session.reported[i] = totals[i];
  }
  const uint64_t up = proxy.bytes_relayed(reassembly::Direction::ClientToServer);
  const uint64_t down = proxy.bytes_relayed(reassembly::Direction::ServerToClient);
  counters_.bytes_client_to_server.add(up - session.reported_bytes[0]);
  counters_.bytes_server_to_client.add(down - session.reported_bytes[1]);
  session.reported_bytes[0] = up;
  session.reported_bytes[1] = down;
}

void LiveWorker::publish_tls_counters() {
  const SessionTlsServices::Counters& now = tls_.counters;
  counters_.tls_handshakes.add(now.handshakes - tls_published_.handshakes);
  counters_.tls_handshake_failures.add(now.failures - tls_published_.failures);
  counters_.tls_backend_failures.add(now.backend_failures - tls_published_.backend_failures);
  counters_.tls_async_pauses.add(now.async_pauses - tls_published_.async_pauses);
  counters_.tls_spliced.add(now.spliced - tls_published_.spliced);
  tls_published_ = now;
  const uint64_t exhausted = tls_.legs->legs_exhausted();
  counters_.tls_legs_exhausted.add(exhausted - counters_.tls_legs_exhausted.get());
}

void LiveWorker::fire_timers() {
  wheel_.advance(*clock_ns_, [this](reassembly::TimerEntry* entry) {
    ProxySession& session = *sessions_[static_cast<SessionTimer*>(entry)->session_index];
    session.proxy().on_timer(*clock_ns_);
    mark(session);
  });
}

}  // namespace sluice::dataplane
