// tools/bench/forward_bench.cc — sluice-bench-forward: the live worker's own cost per packet and per proxied
// SMTP session, with no kernel in the loop. Traffic generator and backend are emulated in-process on two
// net_ring ports (tests/component/ring_appliance.h); only LiveWorker::poll_once() is inside the timed window
// (rdtsc around each call), so frame generation, the emulated TCP peers and the ring draining cost nothing.
//
//   (a) pass-through DNAT: N frames of M concurrent flows to VIP:2525 (each flow's SYN first, then data
//       segments round-robin), built into mbufs before the timed window and fed through the outside rx ring in
//       ring-sized batches;
//   (b) proxied SMTP: C concurrent sessions, each a real TcpEndpoint client speaking EHLO/MAIL/RCPT/DATA/body/
//       ./QUIT against a TcpEndpoint backend answering like smtp-sink, until --sessions complete (after a
//       warm-up of C sessions that grows the worker's session pool). Every message goes through the inspector
//       with the default policy (no signatures, no spam rules): MIME parsing, URL extraction, Hyperscan.
// Cycles count only polls that received or sent a frame ("busy"); empty polls are reported apart.
// Output: a short table, and with --json one JSON line with every figure on stdout (the table goes to stderr).
// May call: the ring harness, DPDK cycles/mbuf, dataplane frame building. Not a test: figures vary by host.
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/frame_layout.h"
#include "dataplane/live_telemetry.h"
#include "dataplane/tcp_header.h"
#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"

namespace {

using namespace sluice;
using sluice::dataplane::Side;
using sluice::testing::EmulatedPeer;
using sluice::testing::Host;
using sluice::testing::RingAppliance;

struct Options {
  uint64_t sessions = 20000;     // proxied sessions to complete
  uint32_t concurrency = 64;     // proxied sessions in flight
  double seconds = 10;           // wall-clock cap per phase
  uint32_t flows = 1024;         // pass-through concurrent flows
  uint64_t packets = 2'000'000;  // pass-through frames
  uint32_t payload = 64;         // pass-through data segment payload bytes
  // Frames built per refill of the outside rx ring: about a NIC rx descriptor ring's worth, so the frames the
  // worker reads are as warm as a NIC's DMA (into the last-level cache) leaves them, not evicted by the build.
  uint32_t batch = 512;
  uint32_t body_bytes = 4096;    // proxied message body size
  bool json = false;
  bool verbose = false;          // print the worker's counters after each phase
};

const char* kUsage =
    "usage: sluice-bench-forward [--sessions N] [--concurrency C] [--seconds S] [--flows M] [--packets N]\n"
    "                            [--payload BYTES] [--batch FRAMES] [--body-bytes BYTES] [--json] [--verbose]\n";

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&](double* v) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      *v = std::strtod(argv[++i], &end);
      return end != nullptr && *end == '\0' && *v >= 0;
    };
    double v = 0;
    if (a == "--json") {
      o->json = true;
    } else if (a == "--verbose") {
      o->verbose = true;
    } else if (a == "--sessions" && next(&v)) {
      o->sessions = static_cast<uint64_t>(v);
    } else if (a == "--concurrency" && next(&v) && v >= 1 && v <= 8000) {
      o->concurrency = static_cast<uint32_t>(v);
    } else if (a == "--seconds" && next(&v) && v > 0) {
      o->seconds = v;
    } else if (a == "--flows" && next(&v) && v >= 1 && v <= 60000) {
      o->flows = static_cast<uint32_t>(v);
    } else if (a == "--packets" && next(&v)) {
      o->packets = static_cast<uint64_t>(v);
    } else if (a == "--batch" && next(&v) && v >= 32 && v <= 8191) {
      o->batch = static_cast<uint32_t>(v);
    } else if (a == "--payload" && next(&v) && v <= 1400) {
      o->payload = static_cast<uint32_t>(v);
    } else if (a == "--body-bytes" && next(&v) && v <= 1'000'000) {
      o->body_bytes = static_cast<uint32_t>(v);
    } else {
      return false;
    }
  }
  return true;
}

std::string bench_config(uint32_t max_flows) {
  return testing::ring_config({.vip_ports = "25 2525", .max_flows = max_flows, .extra = testing::kBenchTcpConfig});
}

using testing::kBackend;
using testing::kClient;
using testing::kVip;
const dataplane::MacAddress kClientMac = kClient.mac;

uint64_t now_ns() {
  static const uint64_t hz = rte_get_tsc_hz();
  return static_cast<uint64_t>(static_cast<unsigned __int128>(rte_get_tsc_cycles()) * 1'000'000'000ull / hz);
}

// Worker cycles, split into polls that did something (received or sent a frame) and empty polls.
struct PollMeter {
  uint64_t busy_cycles = 0, idle_cycles = 0, busy_polls = 0, idle_polls = 0;

  void poll(RingAppliance& app) {
    const auto& c = app.worker().counters();
    const uint64_t rx = c.rx_packets.get(), tx = c.tx_packets.get();
    const uint64_t t0 = rte_rdtsc_precise();
    app.worker().poll_once();
    const uint64_t t1 = rte_rdtsc_precise();
    if (c.rx_packets.get() != rx || c.tx_packets.get() != tx) {
      busy_cycles += t1 - t0;
      ++busy_polls;
    } else {
      idle_cycles += t1 - t0;
      ++idle_polls;
    }
  }
};

// Both neighbours answer an ARP request so the worker never holds a frame waiting for a MAC.
bool teach_neighbours(RingAppliance& app) {
  app.inject(Side::Inside, testing::arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
  app.inject(Side::Outside, testing::arp_request(kClient, kVip));
  app.poll();
  return app.discard(Side::Inside) == 1 && app.discard(Side::Outside) == 1;
}

// ---- (a) pass-through DNAT ----

struct PassResult {
  uint64_t packets = 0, forwarded = 0;
  PollMeter meter;
};

bool build_into(rte_mbuf* m, dataplane::TcpFrameSpec& spec) {
  const dataplane::BuiltFrame built =
      dataplane::build_tcp_frame(spec, rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m));
  if (!built) return false;
  rte_pktmbuf_append(m, static_cast<uint16_t>(built.length));
  return true;
}

PassResult run_passthrough(const Options& o, std::string* error) {
  PassResult r;
  testing::RingApplianceLimits limits;
  limits.keep_records = false;
  RingAppliance app(bench_config(std::max<uint32_t>(16384, o.flows * 2)), limits);
  if (!app.ok() || !teach_neighbours(app)) {
    *error = "pass-through set-up: " + app.error();
    return r;
  }
  const std::string payload(o.payload, 'p');
  std::vector<uint32_t> next_seq(o.flows, 1000);
  const uint32_t batch = std::min(o.batch, limits.ring_size - 1);
  std::vector<rte_mbuf*> mbufs(batch);
  const uint64_t deadline = now_ns() + static_cast<uint64_t>(o.seconds * 1e9);
  uint64_t generated = 0;
  while (generated < o.packets && now_ns() < deadline) {
    // Untimed: build the next batch and enqueue it on the outside rx ring.
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(batch, o.packets - generated));
    if (rte_pktmbuf_alloc_bulk(app.pool(), mbufs.data(), n) != 0) {
      *error = "mbuf pool exhausted";
      return r;
    }
    for (uint32_t i = 0; i < n; ++i, ++generated) {
      const uint32_t flow = static_cast<uint32_t>(generated % o.flows);
      const bool syn = generated < o.flows;
      dataplane::TcpFrameSpec spec;
      spec.src_mac = kClientMac;
      spec.dst_mac = app.mac(Side::Outside);
      spec.src_ip = kClient.ip;
      spec.dst_ip = kVip;
      spec.src_port = static_cast<uint16_t>(1024 + flow);
      spec.dst_port = 2525;
      spec.seq = next_seq[flow];
      spec.ack = syn ? 0 : 7000;
      spec.flags = syn ? dataplane::kTcpSyn : (dataplane::kTcpAck | dataplane::kTcpPsh);
      spec.window = 65535;
      if (!syn) spec.payload[0] = payload;
      next_seq[flow] += syn ? 1 : o.payload;
      if (!build_into(mbufs[i], spec) || !app.inject_mbuf(Side::Outside, mbufs[i])) {
        *error = "could not build or enqueue a frame";
        return r;
      }
    }
    // Timed: the worker drains the ring; what it sends is freed between polls, outside the window.
    const uint64_t before = app.worker().counters().rx_packets.get();
    while (app.worker().counters().rx_packets.get() - before < n) {
      r.meter.poll(app);
      app.discard(Side::Inside);
      app.discard(Side::Outside);
    }
    r.packets += n;
  }
  r.forwarded = app.worker().counters().passthrough_packets.get();
  if (o.verbose) dataplane::print_live_counters(stderr, app.worker().counters());
  return r;
}

// ---- (b) proxied SMTP sessions ----

struct ProxyResult {
  uint64_t started = 0, completed_by_peers = 0, sessions_completed = 0, rx_packets = 0, tx_packets = 0;
  uint64_t bytes_up = 0, messages_logged = 0, resets = 0, warmup_sessions = 0;
  double elapsed_s = 0;
  PollMeter meter;
};

ProxyResult run_proxied(const Options& o, std::string* error) {
  ProxyResult r;
  testing::RingApplianceLimits limits;
  limits.keep_records = false;
  RingAppliance app(bench_config(std::max<uint32_t>(16384, o.concurrency * 4)), limits);
  if (!app.ok() || !teach_neighbours(app)) {
    *error = "proxied set-up: " + app.error();
    return r;
  }
  const std::string body = testing::message_body(o.body_bytes);
  const std::vector<testing::Step> steps = testing::smtp_steps(body);
  constexpr uint16_t kFirstPort = 1024;
  constexpr uint32_t kPorts = 60000;
  std::vector<int32_t> slot_of_port(65536, -1);
  std::vector<testing::PeerSlot> slots(o.concurrency);
  for (testing::PeerSlot& s : slots) testing::make_peers(app, s);
  uint32_t next_port = 0;
  uint32_t iss = 12345;
  std::vector<rte_mbuf*> burst(256);
  uint64_t start = now_ns();
  const uint64_t deadline = start + static_cast<uint64_t>(o.seconds * 1e9);
  const auto& c = app.worker().counters();
  // Warm-up: the first `concurrency` sessions grow the worker's session pool (allocation at connection open,
  // by design, until the peak); the figures count from the moment they have completed.
  const uint64_t warmup = o.sessions > 0 ? o.concurrency : 0;
  bool warm = warmup == 0;
  uint64_t completed0 = c.sessions_completed.get(), rx0 = c.rx_packets.get(), tx0 = c.tx_packets.get();
  uint64_t up0 = c.bytes_client_to_server.get(), logged0 = c.messages_logged.get();
  uint64_t now = start;
  while (c.sessions_completed.get() - completed0 < o.sessions && now < deadline) {
    if (!warm && c.sessions_completed.get() - completed0 >= warmup) {
      warm = true;
      r.meter = PollMeter{};
      completed0 = c.sessions_completed.get();
      rx0 = c.rx_packets.get();
      tx0 = c.tx_packets.get();
      up0 = c.bytes_client_to_server.get();
      logged0 = c.messages_logged.get();
      start = now;
      r.warmup_sessions = warmup;
    }
    // Idle slots start the next session (untimed).
    for (uint32_t i = 0; i < slots.size(); ++i) {
      testing::PeerSlot& s = slots[i];
      if (s.active || r.started >= o.sessions + warmup) continue;
      const uint16_t port = static_cast<uint16_t>(kFirstPort + next_port);
      next_port = (next_port + 1) % kPorts;
      if (s.port != 0) slot_of_port[s.port] = -1;
      slot_of_port[port] = static_cast<int32_t>(i);
      testing::start_session(s, port, iss += 7919, now);
      ++r.started;
    }
    // Timed: one worker iteration.
    r.meter.poll(app);
    now = now_ns();
    // Untimed: hand what the worker sent to the peers.
    for (const Side side : {Side::Outside, Side::Inside}) {
      uint32_t n;
      while ((n = app.take(side, burst.data(), static_cast<uint32_t>(burst.size()))) > 0) {
        for (uint32_t k = 0; k < n; ++k) {
          testing::deliver(slots, slot_of_port, side, burst[k], &iss, now);
          rte_pktmbuf_free(burst[k]);
        }
      }
    }
    // Untimed: the peers' applications, timers and output.
    for (testing::PeerSlot& s : slots) {
      if (!s.active) continue;
      const testing::SlotEnd end = testing::run_slot(s, steps, now);
      if (end == testing::SlotEnd::Completed) ++r.completed_by_peers;
      if (end == testing::SlotEnd::Reset) ++r.resets;
    }
  }
  // Let the last sessions' legs end (time-wait 0) so they count as completed.
  for (int i = 0; i < 100 && app.worker().sessions_in_use() != 0; ++i) r.meter.poll(app);
  r.elapsed_s = static_cast<double>(now_ns() - start) / 1e9;
  r.sessions_completed = c.sessions_completed.get() - completed0;
  r.rx_packets = c.rx_packets.get() - rx0;
  r.tx_packets = c.tx_packets.get() - tx0;
  r.bytes_up = c.bytes_client_to_server.get() - up0;
  r.messages_logged = c.messages_logged.get() - logged0;
  if (o.verbose) dataplane::print_live_counters(stderr, c);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, &o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string error;
  if (!testing::init_eal_once(&error)) {
    std::fprintf(stderr, "sluice-bench-forward: %s\n", error.c_str());
    return 1;
  }
  const double hz = static_cast<double>(rte_get_tsc_hz());
  const PassResult pass = run_passthrough(o, &error);
  if (!error.empty()) {
    std::fprintf(stderr, "sluice-bench-forward: %s\n", error.c_str());
    return 1;
  }
  const ProxyResult proxy = run_proxied(o, &error);
  if (!error.empty()) {
    std::fprintf(stderr, "sluice-bench-forward: %s\n", error.c_str());
    return 1;
  }
  const double pass_cpp = pass.packets ? static_cast<double>(pass.meter.busy_cycles) / pass.packets : 0;
  const double pass_pps = pass_cpp > 0 ? hz / pass_cpp : 0;
  const double proxy_cpp = proxy.rx_packets ? static_cast<double>(proxy.meter.busy_cycles) / proxy.rx_packets : 0;
  const double proxy_pps = proxy_cpp > 0 ? hz / proxy_cpp : 0;
  const double cycles_per_session =
      proxy.sessions_completed ? static_cast<double>(proxy.meter.busy_cycles) / proxy.sessions_completed : 0;
  const double us_per_session = cycles_per_session / hz * 1e6;
  const double packets_per_session =
      proxy.sessions_completed ? static_cast<double>(proxy.rx_packets) / proxy.sessions_completed : 0;

  std::FILE* table = o.json ? stderr : stdout;
  std::fprintf(table, "sluice-bench-forward: worker cycles only (rdtsc around poll_once), TSC %.3f GHz\n", hz / 1e9);
  std::fprintf(table, "  %-34s %12s %12s %12s\n", "path", "packets", "cycles/pkt", "Mpps/core");
  std::fprintf(table, "  %-34s %12llu %12.1f %12.2f\n", "pass-through DNAT (VIP:2525)",
               static_cast<unsigned long long>(pass.packets), pass_cpp, pass_pps / 1e6);
  std::fprintf(table, "  %-34s %12llu %12.1f %12.2f\n", "proxied SMTP (VIP:25, rx frames)",
               static_cast<unsigned long long>(proxy.rx_packets), proxy_cpp, proxy_pps / 1e6);
  std::fprintf(table, "  proxied sessions: %llu completed (%llu by the peers, %llu reset), concurrency %u, "
               "%.0f frames/session\n",
               static_cast<unsigned long long>(proxy.sessions_completed),
               static_cast<unsigned long long>(proxy.completed_by_peers),
               static_cast<unsigned long long>(proxy.resets), o.concurrency, packets_per_session);
  std::fprintf(table, "  worker CPU per proxied session: %.0f cycles = %.2f us (%.0f sessions/s per core)\n",
               cycles_per_session, us_per_session, us_per_session > 0 ? 1e6 / us_per_session : 0);
  if (o.json) {
    std::printf(
        "{\"bench\":\"forward\",\"tsc_hz\":%.0f,"
        "\"passthrough_flows\":%u,\"passthrough_payload\":%u,\"passthrough_batch\":%u,\"passthrough_packets\":%llu,"
        "\"passthrough_forwarded\":%llu,\"passthrough_busy_cycles\":%llu,\"passthrough_cycles_per_packet\":%.2f,"
        "\"passthrough_packets_per_s\":%.0f,"
        "\"proxied_concurrency\":%u,\"proxied_body_bytes\":%u,\"proxied_warmup_sessions\":%llu,\"proxied_sessions_started\":%llu,"
        "\"proxied_sessions_completed\":%llu,\"proxied_sessions_completed_by_peers\":%llu,"
        "\"proxied_sessions_reset\":%llu,\"proxied_rx_packets\":%llu,\"proxied_tx_packets\":%llu,"
        "\"proxied_busy_cycles\":%llu,\"proxied_idle_cycles\":%llu,\"proxied_cycles_per_packet\":%.2f,"
        "\"proxied_packets_per_s\":%.0f,\"proxied_cycles_per_session\":%.0f,\"proxied_us_per_session\":%.3f,"
        "\"proxied_bytes_client_to_server\":%llu,\"proxied_messages_logged\":%llu,\"proxied_elapsed_s\":%.3f}\n",
        hz, o.flows, o.payload, o.batch, static_cast<unsigned long long>(pass.packets),
        static_cast<unsigned long long>(pass.forwarded), static_cast<unsigned long long>(pass.meter.busy_cycles),
        pass_cpp, pass_pps, o.concurrency, o.body_bytes,
        static_cast<unsigned long long>(proxy.warmup_sessions), static_cast<unsigned long long>(proxy.started),
        static_cast<unsigned long long>(proxy.sessions_completed),
        static_cast<unsigned long long>(proxy.completed_by_peers), static_cast<unsigned long long>(proxy.resets),
        static_cast<unsigned long long>(proxy.rx_packets), static_cast<unsigned long long>(proxy.tx_packets),
        static_cast<unsigned long long>(proxy.meter.busy_cycles),
        static_cast<unsigned long long>(proxy.meter.idle_cycles), proxy_cpp, proxy_pps, cycles_per_session,
        us_per_session, static_cast<unsigned long long>(proxy.bytes_up),
        static_cast<unsigned long long>(proxy.messages_logged), proxy.elapsed_s);
  }
  return 0;
}
