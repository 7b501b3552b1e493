// dataplane/live_worker_control.cc — LiveWorker's side of the control plane: taking committed snapshots,
// reporting which ones its sessions still use, answering `show session`, and tracing frames of a flow debug.
// Runs at the start and end of a poll iteration, on the worker's own core; see dataplane/worker_control.h.
#include <cinttypes>
#include <cstdio>

#include "dataplane/live_worker.h"

namespace sluice::dataplane {

namespace flag = reassembly::tcp_flag;

namespace {

const char* phase_name(reassembly::ProxyPhase phase) {
  switch (phase) {
    case reassembly::ProxyPhase::Dialing: return "dialing";
    case reassembly::ProxyPhase::Relaying: return "relaying";
    case reassembly::ProxyPhase::Done: return "closing";
  }
  return "?";
}

void tcp_flags(uint8_t flags, char (&out)[8]) {
  size_t n = 0;
  const std::pair<uint8_t, char> names[] = {{flag::SYN, 'S'}, {flag::ACK, 'A'}, {flag::FIN, 'F'},
                                            {flag::RST, 'R'}, {flag::PSH, 'P'}};
  for (const auto& [bit, c] : names) {
    if (flags & bit) out[n++] = c;
  }
  if (n == 0) out[n++] = '.';
  out[n] = '\0';
}

}  // namespace

void LiveWorker::attach_control(scan::SnapshotRegistry* registry, WorkerControl* control) {
  registry_ = registry;
  control_ = control;
  trace_.bind(control);
  if (registry_ != nullptr) {
    control_->registry_slot = registry_->register_worker();
    adopt_snapshot(registry_->current());
  }
}

void LiveWorker::serve_control() {
  if (registry_ != nullptr) {
    const scan::PolicySnapshot* current = registry_->current();
    if (current != inspector_.snapshot) adopt_snapshot(current);
  }
  trace_.refresh();
  const uint64_t requested = control_->sessions_requested.load(std::memory_order_acquire);
  if (requested != control_->sessions_served.load(std::memory_order_relaxed)) {
    list_sessions();
    control_->sessions_served.store(requested, std::memory_order_release);
  }
}

// A commit reached this worker: new sessions get it; sessions in progress keep theirs. The scratch grows to
// serve the new database too (a commit-time allocation, never a per-packet one).
void LiveWorker::adopt_snapshot(const scan::PolicySnapshot* snapshot) {
  if (snapshot->database) inspector_.scratch->extend_for(*snapshot->database);
  inspector_.snapshot = snapshot;
  counters_.policy_version.set(snapshot->version);
}

void LiveWorker::report_snapshots() {
  const uint64_t oldest = pins_.oldest_in_use(*inspector_.snapshot);
  if (oldest != reported_oldest_) {
    registry_->report_oldest_in_use(control_->registry_slot, oldest);
    reported_oldest_ = oldest;
  }
}

// `show session`: one line per session matching the filter. Built here, on request, so the control thread
// never reads session state; the string is the only allocation and it happens only when asked.
void LiveWorker::list_sessions() {
  std::string& out = control_->session_list;
  out.clear();
  const FlowFilter& filter = control_->session_filter;
  uint32_t shown = 0;
  for (const auto& session : sessions_) {
    if (!session->in_use()) continue;
    const SessionAddresses& a = session->addresses();
    const VipPort* vip = topology_.find_vip_port(a.vip, a.vip_port);
    const std::string_view vip_name = vip != nullptr ? std::string_view(vip->vip_name) : std::string_view("?");
    if (!filter.matches(a.client, a.client_port, a.vip, a.vip_port, a.backend, a.backend_port, vip_name)) continue;
    char client[48], vip_addr[48], backend[48], line[320];
    const uint64_t age_ms = (*clock_ns_ - session->opened_ns) / 1000000ull;
    std::snprintf(line, sizeof line,
                  "flow=%" PRIu64 " vip=%.*s client=%s:%u vip-addr=%s:%u backend=%s:%u phase=%s age=%" PRIu64
                  ".%03" PRIu64 "s policy=v%" PRIu64 " tls=%s message=%s bytes-in=%" PRIu64 " bytes-out=%" PRIu64 "\n",
                  session->flow_id(), static_cast<int>(vip_name.size()), vip_name.data(),
                  std::string(a.client.format(client)).c_str(), a.client_port,
                  std::string(a.vip.format(vip_addr)).c_str(), a.vip_port,
                  std::string(a.backend.format(backend)).c_str(), a.backend_port, phase_name(session->proxy().phase()),
                  age_ms / 1000, age_ms % 1000, session->snapshot()->version, session->tls_active() ? "yes" : "no",
                  session->message_open() ? "open" : "none", session->reported_bytes[0], session->reported_bytes[1]);
    out += line;
    ++shown;
  }
  char total[96];
  std::snprintf(total, sizeof total, "%u session(s) shown of %u in use\n", shown, sessions_in_use_);
  out += total;
}

void LiveWorker::trace_frame(Side side, const Frame& f, const char* what) {
  if (!trace_.packet_matches(f.src, f.tcp.src_port, f.dst, f.tcp.dst_port)) return;
  char src[48], dst[48], flags[8];
  tcp_flags(f.tcp.flags, flags);
  trace_.line(*clock_ns_, 0, "packet %s %s:%u -> %s:%u flags=%s seq=%u ack=%u win=%u len=%zu: %s",
              side == Side::Outside ? "outside" : "inside", std::string(f.src.format(src)).c_str(), f.tcp.src_port,
              std::string(f.dst.format(dst)).c_str(), f.tcp.dst_port, flags, f.tcp.seq, f.tcp.ack, f.tcp.window,
              f.tcp.payload.size(), what);
}

}  // namespace sluice::dataplane
