// dataplane/live_worker.h — the live appliance's poll loop on one lcore: two ports, run to completion.
//
// Owns: everything one worker keeps — its connection table, its proxied sessions (pooled), its pass-through
// NAT entries, its timer wheel, the per-port LinkIo (neighbours, transmit bursts), its SYN cookie secret and its
// counters. Per iteration: receive a burst from each port and handle every frame (ARP/ND/ICMP answered, TCP
// to its session or NAT entry, or to a new one, or dropped and counted); service each session that received
// something (so bytes reassembled from one leg reach the other leg in the same iteration: banner passthrough);
// fire due timers; sweep a few pass-through entries; flush both ports.
// May call: DPDK ethdev/mbuf, dataplane/*, reassembly/*, scan/inspector. Nothing else touches its state.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "control/policy.h"
#include "dataplane/client_counts.h"
#include "dataplane/conn_table.h"
#include "dataplane/flow_steering.h"
#include "dataplane/redirect_mesh.h"
#include "dataplane/flow_trace.h"
#include "dataplane/ip_reassembly.h"
#include "dataplane/worker_control.h"
#include "scan/inspector/snapshot_registry.h"
#include "dataplane/link_io.h"
#include "dataplane/live_counters.h"
#include "dataplane/live_topology.h"
#include "dataplane/passthrough_table.h"
#include "dataplane/proxy_session.h"
#include "dataplane/session_tls.h"
#include "dataplane/tcp_header.h"
#include "scan/envelope/greylist.h"
#include "reassembly/syn_cookie.h"
#include "reassembly/timer_wheel.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::dataplane {

// Where one worker sits among N: its index (= its tx queue, and its rx queue on ports that have one per worker),
// who owns what, and the rings to the other workers. The defaults are the single worker.
struct WorkerPlacement {
  uint32_t index = 0;
  uint16_t queue = 0;   // this worker's rx and tx queue on both ports (live mode: its index)
  const FlowSteering* steering = nullptr;   // nullptr: one worker, owns everything
  RedirectMesh* mesh = nullptr;
  uint16_t outside_rx_queues = 1, inside_rx_queues = 1;
};

struct LiveWorkerSettings {
  WorkerPlacement placement;
  LiveCounters* counters = nullptr;   // where to count (kept across `execute restart workers`); nullptr: the worker's own
  uint32_t max_sessions = 65536;        // proxied sessions (system session max-flows)
  uint32_t max_passthrough = 65536;     // DNAT pass-through connections
  uint32_t max_half_open = 64;          // unfinished openings; beyond: SYN cookies (or drop)
  bool syn_cookies = true;
  // This worker's share of `max-connections-per-client` (0: no limit) and the IPv6 prefix a client is counted by.
  uint32_t max_client_sessions = 50;
  uint32_t client_v6_prefix = 64;
  uint16_t rx_burst = 32;               // frames per rx burst, at most LiveWorker::kMaxBurst
  uint32_t sweep_step = 64;             // pass-through entries checked per sweep ...
  uint64_t sweep_interval_ns = 1'000'000;  // ... one sweep per millisecond: 64k entries visited every second
  // 0 = pure poll mode (a whole core, lowest latency). Otherwise, after kIdlePollsBeforeSleep empty polls in a
  // row the worker sleeps this long between polls: for test rigs and small appliances sharing their cores.
  uint32_t idle_sleep_us = 0;
  reassembly::SplitProxyConfig proxy;   // both legs' TCP settings, connect and idle time-outs
  smtp::RelayConfig relay;              // the SMTP relay of every proxied session
  uint64_t slice_cycles = 1'000'000;    // scanning per poll iteration (config scan budget slice-cycles)
  uint32_t verdict_timeout_ms = 30000;  // end of data -> verdict bound (config scan budget verdict-timeout)
  ClientDeadlines client_deadlines;     // command-timeout, min-data-rate (config smtp protocol-options)
  PassthroughTimeouts passthrough;
  NeighbourConfig neighbours;
  FragmentLimits fragments;             // IP fragment reassembly (config system session fragment-*)
};

// Maps the configuration onto the worker's settings (one place, like scan/inspector/component_limits).
LiveWorkerSettings live_worker_settings(const control::Policy&);

class LiveWorker {
 public:
  LiveWorker(const LiveWorkerSettings&, const LiveTopology&, rte_mempool* pool, const scan::InspectorContext&,
             uint64_t* clock_ns);
  ~LiveWorker();

  bool init(const std::string& name, int socket_id, std::string* error);
  // Connects the worker to the control plane (before the first poll): it then takes each committed snapshot
  // at the start of an iteration, serves control's requests, and traces flows. Without it the worker judges
  // every session by the snapshot it was built with.
  void attach_control(scan::SnapshotRegistry* registry, WorkerControl* control);
  // Lends the worker's sessions TLS legs (before the first poll); without it STARTTLS is not offered.
  void set_tls_legs(tls::TlsLegSource* legs) { tls_.legs = legs; }
  // Runs until *stop becomes true; then resets every session (RST both legs) and flushes.
  void run(const std::atomic<bool>& stop);
  // One iteration; exposed for component tests and benchmarks that drive ring ports step by step.
  // Returns the number of frames received.
  uint32_t poll_once();

  const LiveCounters& counters() const { return counters_; }
  // The record sink counts the messages it logs into the worker's counters.
  Counter& messages_logged() { return counters_.messages_logged; }
  Counter& messages_log_failed() { return counters_.messages_log_failed; }
  uint32_t sessions_in_use() const { return sessions_in_use_; }
  uint32_t connections() const { return conns_.size(); }

 private:
  static constexpr uint16_t kMaxBurst = 32;
  static constexpr uint16_t kPrefetchAhead = 4;
  static_assert(kMaxBurst <= ConnTable::kBulkMax);

  struct Frame {  // one received frame, located
    rte_mbuf* mbuf;
    const uint8_t* data;
    size_t length;
    FrameLayout layout;
    IpAddr src, dst;
    TcpHeaderView tcp;
  };

  uint32_t receive(Side side);
  // Frames other workers handed over (they own them), and ARP/ND copies to learn from.
  uint32_t receive_redirected();
  // Classify, steer, look up and handle one burst of one side. from_mesh: frames another worker handed over.
  void handle_burst(Side side, rte_mbuf** burst, uint16_t count, bool from_mesh);
  // Hands a frame to its owner (staged; sent by flush_redirects at the end of the burst).
  void redirect(Side side, rte_mbuf* mbuf, uint32_t owner);
  void flush_redirects();
  // ARP/ND a worker received: every other worker learns the neighbour from it too.
  void share_neighbour_frame(Side side, rte_mbuf* mbuf);
  void learn_only(Side side, const Frame& f, bool arp);
  // Answers or drops what is not a TCP segment; true when the frame is TCP and waits for its connection lookup.
  // from_mesh: another worker handed the frame over (an ARP/ND copy marked learn-only is only learnt from).
  bool classify(Side side, rte_mbuf* mbuf, bool from_mesh, Frame& f);
  // live_worker_fragments.cc. A fragment: true when f now holds its whole datagram (reassembled in f's own mbuf,
  // located again); false when the fragment was kept, dropped (counted) or handed to the worker that reassembles it.
  bool reassemble(Side side, Frame& f);
  void answer_arp(Side side, const Frame& f);
  void answer_icmp(Side side, const Frame& f);
  void handle_tcp(Side side, Frame& f, const std::optional<ConnRef>& found);
  void new_connection(Frame& f);
  void open_session(Frame& f, const VipPort& vip, const reassembly::TcpSynOptions& client_options);
  void send_cookie(const Frame& f, const reassembly::TcpSynOptions& client_options);
  bool open_from_cookie(Frame& f, const VipPort& vip);
  void open_passthrough(Frame& f, const VipPort& vip);
  void forward_passthrough(Side side, Frame& f, PassthroughEntry& entry);
  void deliver_to_session(Side side, const Frame& f, ProxySession& session);
  void refuse(Side side, const Frame& f);
  // RES-2: over max-connections-per-client, or every session in use. Such a SYN gets a cookie, and its ACK one
  // segment with the 421 and our FIN; nothing is kept for it.
  bool client_at_limit(const IpAddr& client) const;
  bool pool_full() const { return free_sessions_.empty() && sessions_.size() >= settings_.max_sessions; }
  void refuse_with_421(const Frame& f, bool client_limit);
  void uncount_client(ProxySession& session);   // once: when the client's leg closes, or at release

  ProxySession* acquire_session();
  // Gives a session the current snapshot (pinned until release) and the trace, then starts it.
  void begin_session(ProxySession& session, const SessionAddresses& a, const VipPort& vip);
  // live_worker_control.cc
  void serve_control();
  void adopt_snapshot(const scan::PolicySnapshot* snapshot);
  void report_snapshots();
  void list_sessions();
  void trace_frame(Side side, const Frame& f, const char* what);
  void mark(ProxySession& session);
  void service_marked();
  void settle(ProxySession& session);
  void release(ProxySession& session);
  void fire_timers();
  void count_endpoint_deltas(ProxySession& session);
  void publish_tls_counters();

  LinkIo& io(Side side) { return side == Side::Outside ? outside_ : inside_; }
  Side side_of_port(uint16_t port_id) const {
    return port_id == topology_.outside.port_id ? Side::Outside : Side::Inside;
  }
  const std::vector<IpAddr>& local_addresses(Side side) const;
  reassembly::CookieTuple cookie_tuple(const Frame& f) const;
  void tick_clock();

  LiveWorkerSettings settings_;
  const LiveTopology& topology_;
  rte_mempool* pool_;
  scan::InspectorContext inspector_;
  uint64_t* clock_ns_;
  LiveCounters own_counters_;
  LiveCounters& counters_;   // settings.counters when given (they outlive a worker restart), else own_counters_
  LinkIo outside_, inside_;
  ConnTable conns_;
  PassthroughTable passthrough_;
  reassembly::TimerWheel wheel_;
  IpReassembly fragments_;                               // datagrams whose fragments are still arriving (TCP-6)
  std::unique_ptr<reassembly::SynCookies> cookies_;
  std::vector<std::unique_ptr<ProxySession>> sessions_;  // grows on demand up to max_sessions
  std::vector<uint32_t> free_sessions_;
  std::vector<ProxySession*> marked_;                    // to service this iteration
  std::vector<ProxySession*> carried_;                   // input left for the next iteration (slice spent)
  ScanSlice slice_;
  TlsBlockList tls_blocked_;
  ClientConnectionCounts client_counts_;                 // live sessions per client key (RES-2)
  SessionTlsServices tls_;                               // the TLS legs and block list the sessions use
  SessionTlsServices::Counters tls_published_;           // what publish_tls_counters() already added
  std::unique_ptr<scan::envelope::Greylist> greylist_;   // this worker's triplets (share nothing)
  std::array<Frame, kMaxBurst> burst_frames_;            // receive()'s scratch
  std::array<ConnKey, kMaxBurst> burst_keys_;
  // Redirect staging, one row of kMaxBurst per worker (only rows of other workers are used).
  std::vector<std::array<rte_mbuf*, kMaxBurst>> redirect_staged_;
  std::vector<uint16_t> redirect_counts_;
  uint32_t sessions_in_use_ = 0;
  scan::SnapshotRegistry* registry_ = nullptr;           // control plane (nullptr: fixed snapshot)
  WorkerControl* control_ = nullptr;
  scan::SnapshotPins pins_;                              // sessions per snapshot version
  uint64_t reported_oldest_ = UINT64_MAX;
  FlowTrace trace_;
  uint64_t next_flow_id_ = 1;
  uint64_t next_sweep_ns_ = 0;
  uint64_t tsc_hz_ = 0;
  uint64_t ns_per_cycle_q32_ = 0;
  uint64_t next_timer_check_ns_ = 0;
};

}  // namespace sluice::dataplane
