// tools/bench/scale_bench.cc — sluice-bench-scale: throughput of 1..N live workers on ring ports, pass-through
// DNAT and proxied SMTP sessions, with the traffic generated into memory before each timed window.
//
// Method (the same on any machine; tools/bench/README.md "scale"): the appliance has one rx/tx ring per worker
// on each port, like a NIC with one queue per core. The run is a sequence of rounds. Untimed: the generator (the
// main thread) builds frames into each worker's rx ring — pass-through: `--batch` data segments per worker for
// its flows; proxied: every emulated peer's reply to what the workers sent in the previous round — and drains
// what the workers transmitted. Timed: every worker, each on its own thread pinned to its own core, polls until
// its rings are empty. With `owner` steering the cores run free, as cores fed by a NIC do: each repeats its own
// untimed prepare and timed drain with no barrier between them, and the throughput is the sum of the cores' rates
// (each core's units over its own drain cycles), counted only while every core is running. With `any` steering
// (or --lockstep) rounds are lockstep, because workers hand frames to each other: the window is wall-clock (TSC)
// from the release of the round to the last worker's end, and throughput = units / the sum of windows, which also
// charges each round the slower core's lag. The generator, the peers and the draining cost nothing in either.
// Steering `owner` puts each frame on its owner's queue (what rte_flow rules do); `any` puts a client's frames on
// one queue and its backend's on another, so half the frames take the software redirect (what a PMD without
// steering costs).
// Output: a table, and with --json one JSON object (schema in tools/bench/README.md).
// May call: the ring harness, tests/component/smtp_peers, tools/bench/{round_runner,machine_limits,pcap_frames},
// DPDK lcore/mbuf/cycles. Not a test: figures vary by host.
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/frame_layout.h"
#include "dataplane/live_telemetry.h"
#include "dataplane/tcp_header.h"
#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"
#include "tools/bench/machine_limits.h"
#include "tools/bench/pcap_frames.h"
#include "tools/bench/round_runner.h"

namespace {

using namespace sluice;
using dataplane::Side;
using testing::RingAppliance;

struct Options {
  std::vector<uint32_t> workers = {1, 2};
  bool passthrough = true, proxy = true;
  bool owner_steering = true;    // --steering owner|any
  uint64_t packets = 4'000'000;  // pass-through frames per run
  uint32_t flows = 4096;
  uint32_t payload = 64;
  uint32_t batch = 2048;         // pass-through frames per worker per round: a NIC rx ring, in L2 with their mbufs
  uint64_t sessions = 20000;     // proxied sessions per run (after a warm-up of `concurrency`)
  uint32_t concurrency = 512;    // proxied sessions in flight per worker: the offered load grows with the cores
  uint32_t body_bytes = 4096;
  uint32_t repeat = 5;           // runs per (mode, workers), interleaved; the median is reported
  std::string pcap;              // --pcap: also replay this capture's client frames (tools/trex-amplify --split)
  bool lockstep = false;         // --lockstep: lockstep rounds with `owner` steering too (`any` always has them)
  bool json = false;
};

bool free_running(const Options& o) { return o.owner_steering && !o.lockstep; }

const char* kUsage =
    "usage: sluice-bench-scale [--workers 1,2,...] [--modes passthrough,proxy] [--steering owner|any]\n"
    "                          [--packets N] [--flows M] [--payload B] [--batch F] [--sessions N]\n"
    "                          [--concurrency C] [--body-bytes B] [--repeat R] [--pcap OUTSIDE.pcap] [--lockstep]\n"
    "                          [--json]\n"
    "  --pcap: client->VIP frames to VIP 198.51.100.10 port 2525 (pass-through), e.g. from\n"
    "          tools/trex-amplify CAPTURE --flows 4000 --server 198.51.100.10 --server-port 2525 \\\n"
    "              --backend 10.0.0.25 --split outside.pcap inside.pcap\n";

bool parse_list(const std::string& text, std::vector<uint32_t>* out) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    const unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0 || v > 16) return false;
    out->push_back(static_cast<uint32_t>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !out->empty();
}

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    auto number = [&](double lo, double hi, double* v) {
      if (!has_value) return false;
      char* end = nullptr;
      *v = std::strtod(argv[++i], &end);
      return *end == '\0' && *v >= lo && *v <= hi;
    };
    double v = 0;
    if (a == "--json") {
      o->json = true;
    } else if (a == "--lockstep") {
      o->lockstep = true;
    } else if (a == "--workers" && has_value) {
      if (!parse_list(argv[++i], &o->workers)) return false;
    } else if (a == "--modes" && has_value) {
      const std::string m = argv[++i];
      o->passthrough = m.find("passthrough") != std::string::npos;
      o->proxy = m.find("proxy") != std::string::npos;
      if (!o->passthrough && !o->proxy) return false;
    } else if (a == "--steering" && has_value) {
      const std::string m = argv[++i];
      if (m != "owner" && m != "any") return false;
      o->owner_steering = m == "owner";
    } else if (a == "--packets" && number(1000, 1e10, &v)) {
      o->packets = static_cast<uint64_t>(v);
    } else if (a == "--flows" && number(16, 30000, &v)) {
      o->flows = static_cast<uint32_t>(v);
    } else if (a == "--payload" && number(0, 1400, &v)) {
      o->payload = static_cast<uint32_t>(v);
    } else if (a == "--batch" && number(32, 4096, &v)) {
      o->batch = static_cast<uint32_t>(v);
    } else if (a == "--sessions" && number(1, 1e8, &v)) {
      o->sessions = static_cast<uint64_t>(v);
    } else if (a == "--concurrency" && number(1, 8000, &v)) {
      o->concurrency = static_cast<uint32_t>(v);
    } else if (a == "--pcap" && has_value) {
      o->pcap = argv[++i];
    } else if (a == "--repeat" && number(1, 100, &v)) {
      o->repeat = static_cast<uint32_t>(v);
    } else if (a == "--body-bytes" && number(0, 1e6, &v)) {
      o->body_bytes = static_cast<uint32_t>(v);
    } else {
      return false;
    }
  }
  return true;
}

std::string scale_config(uint32_t max_flows) {
  return testing::ring_config({.vip_ports = "25 2525", .max_flows = max_flows, .extra = testing::kBenchTcpConfig});
}

struct RunResult {
  std::string mode;
  uint32_t workers = 0;
  uint64_t units = 0;          // packets or sessions
  uint64_t cycles = 0;         // lockstep: sum of the timed windows; free-running: the busiest core's drain cycles
  uint64_t busy = 0;           // sum over workers of their own draining cycles in those windows
  double rate = 0;             // free-running: the sum of the cores' rates (units/s); lockstep: 0 (units / cycles)
  uint64_t redirected = 0, redirect_dropped = 0, resets = 0, frames = 0;
  bool ok = true;
  std::string error;
};

uint64_t sum(RingAppliance& app, const std::function<uint64_t(const dataplane::LiveCounters&)>& get) {
  uint64_t total = 0;
  for (uint32_t w = 0; w < app.workers(); ++w) total += get(app.worker(w).counters());
  return total;
}

// Each worker's mbuf pool sized like a NIC set-up's (a 4,096-descriptor rx ring, the frames in flight to tx, the
// per-lcore caches), not the test harness's 65,535: a FIFO pool cycles through all of its mbufs, so an oversized
// one turns every frame into a DRAM miss, which measures the pool, not the worker.
testing::RingApplianceLimits scale_limits(uint32_t workers) {
  testing::RingApplianceLimits limits;
  limits.keep_records = false;
  limits.workers = workers;
  limits.pool_mbufs = 16383;
  return limits;
}

bool teach_neighbours(RingAppliance& app) {
  app.inject(Side::Inside, testing::arp_request(testing::kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
  app.inject(Side::Outside, testing::arp_request(testing::kClient, testing::kVip));
  app.poll(3);   // the copies reach every worker
  return app.discard(Side::Inside) == 1 && app.discard(Side::Outside) == 1;
}

// Rounds until every hand-over reached its owner (only `any` steering leaves some after a round).
uint64_t settle_handovers(RingAppliance& app, bench::RoundRunner& rounds) {
  uint64_t cycles = 0;
  for (int i = 0; i < 100; ++i) {
    const uint64_t out = sum(app, [](const auto& c) { return c.redirected_out.get(); });
    const uint64_t in = sum(app, [](const auto& c) { return c.redirected_in.get(); });
    if (in >= out) break;
    cycles += rounds.round();
  }
  return cycles;
}

// One core's counted work in a free-running run.
struct alignas(64) CoreShare {
  uint64_t units = 0, busy = 0, baseline = 0;
  bool warm = false, failed = false;
};

// A free-running run's result: the sum of the cores' own rates, the busiest core's cycles as its window.
void add_shares(const std::vector<CoreShare>& shares, RunResult* r) {
  const double hz = static_cast<double>(rte_get_tsc_hz());
  for (const CoreShare& s : shares) {
    r->units += s.units;
    r->busy += s.busy;
    r->cycles = std::max(r->cycles, s.busy);
    if (s.busy > 0) r->rate += static_cast<double>(s.units) * hz / static_cast<double>(s.busy);
  }
}

// One pass-through run: every round, each thread frees what its worker sent last round and enqueues `batch` frames
// for its queue that `fill(queue, mbuf)` writes (untimed); then the workers drain (timed). Rounds are measured
// once `warm(queue)` says the flows have their NAT entries, until `--packets` were.
struct FeedSource {
  std::function<bool(uint32_t queue)> has_frames;
  std::function<void(uint32_t queue, rte_mbuf* mbuf)> fill;
  std::function<bool(uint32_t queue)> warm;   // true once the queue's flows are open: measuring starts next round
};

struct QueueState {   // one thread's, on its own cache lines
  alignas(64) uint64_t queued = 0;
  std::vector<rte_mbuf*> mbufs;
  bool failed = false;
};

bool any_failed(const std::vector<QueueState>& queues) {
  return std::any_of(queues.begin(), queues.end(), [](const QueueState& q) { return q.failed; });
}

void run_feed_lockstep(const Options& o, RingAppliance& app, const FeedSource& source, bench::RoundRunner& rounds,
                       const std::vector<QueueState>& queues, const bench::RoundRunner::Prepare& prepare,
                       RunResult* r) {
  uint64_t generated = 0;
  bool warm = false;
  while (generated < o.packets) {
    const uint64_t cycles = rounds.round(prepare);   // prepare untimed, the round timed
    const uint64_t busy = rounds.take_busy_cycles();
    if (any_failed(queues)) return;
    uint64_t queued = 0;
    for (const QueueState& st : queues) queued += st.queued;
    if (warm) {
      r->busy += busy;
      r->cycles += cycles + settle_handovers(app, rounds);
      r->units += queued;
      generated += queued;
    } else {
      warm = true;
      for (uint32_t q = 0; q < queues.size(); ++q) warm = warm && source.warm(q);
    }
  }
}

void run_feed_free(const Options& o, const FeedSource& source, bench::RoundRunner& rounds,
                   const std::vector<QueueState>& queues, const bench::RoundRunner::Prepare& prepare, RunResult* r) {
  std::vector<CoreShare> shares(queues.size());
  const uint64_t share = o.packets / queues.size();
  rounds.free_run(prepare, [&](uint32_t q, uint64_t cycles) {
    CoreShare& s = shares[q];
    if (queues[q].failed) return true;
    if (!s.warm) {
      s.warm = source.warm(q);
      return false;
    }
    s.units += queues[q].queued;
    s.busy += cycles;
    return s.units >= share;
  });
  add_shares(shares, r);
}

RunResult run_feed(const Options& o, RingAppliance& app, uint32_t workers, const FeedSource& source, RunResult r) {
  std::vector<QueueState> queues(workers);
  for (QueueState& q : queues) q.mbufs.resize(o.batch);
  const bench::RoundRunner::Prepare prepare = [&](uint32_t q) {
    QueueState& st = queues[q];
    for (Side side : {Side::Outside, Side::Inside}) {   // what this worker sent last round
      rte_mbuf* sent[256];
      uint32_t n;
      while ((n = app.take(side, q, sent, 256)) > 0) rte_pktmbuf_free_bulk(sent, n);
    }
    st.queued = 0;
    if (!source.has_frames(q)) return;
    if (rte_pktmbuf_alloc_bulk(app.pool(q), st.mbufs.data(), o.batch) != 0) {
      st.failed = true;
      return;
    }
    for (uint32_t i = 0; i < o.batch; ++i) source.fill(q, st.mbufs[i]);
    st.queued = app.inject_burst(Side::Outside, q, st.mbufs.data(), o.batch);
    if (st.queued < o.batch) rte_pktmbuf_free_bulk(st.mbufs.data() + st.queued, o.batch - st.queued);
  };
  bench::RoundRunner rounds(app, workers);
  if (free_running(o)) {
    run_feed_free(o, source, rounds, queues, prepare, &r);
  } else {
    run_feed_lockstep(o, app, source, rounds, queues, prepare, &r);
  }
  if (any_failed(queues)) {
    r.ok = false;
    r.error = "mbuf pool exhausted";
    return r;
  }
  r.frames = sum(app, [](const auto& c) { return c.passthrough_packets.get(); });
  r.redirected = sum(app, [](const auto& c) { return c.redirected_out.get(); });
  r.redirect_dropped = sum(app, [](const auto& c) { return c.redirect_dropped.get(); });
  return r;
}

std::unique_ptr<RingAppliance> feed_appliance(uint32_t workers, uint32_t max_flows, RunResult* r) {
  auto app = std::make_unique<RingAppliance>(scale_config(max_flows), scale_limits(workers));
  if (!app->ok() || !teach_neighbours(*app)) {
    r->ok = false;
    r->error = "set-up: " + app->error();
    return nullptr;
  }
  return app;
}

// Synthetic pass-through: `flows` flows to VIP:2525 (each flow's SYN, then data segments round-robin).
RunResult run_passthrough(const Options& o, uint32_t workers) {
  RunResult r;
  r.mode = "passthrough";
  r.workers = workers;
  std::unique_ptr<RingAppliance> app = feed_appliance(workers, std::max<uint32_t>(16384, o.flows * 2), &r);
  if (!app) return r;
  // Flows by the queue their frames arrive on.
  std::vector<std::vector<uint32_t>> flows_of(workers);
  for (uint32_t f = 0; f < o.flows; ++f) {
    const uint16_t port = static_cast<uint16_t>(1024 + f);
    flows_of[o.owner_steering ? app->steering().owner_of_port(port) : f % workers].push_back(f);
  }
  std::vector<uint32_t> next_seq(o.flows, 1000);
  std::vector<uint8_t> opened(o.flows, 0);   // bytes, not vector<bool>: each thread writes its own flows
  struct alignas(64) Cursor {
    uint32_t next = 0;
  };
  std::vector<Cursor> cursors(workers);
  const std::string payload(o.payload, 'p');
  const dataplane::MacAddress mac = app->mac(Side::Outside);
  FeedSource source;
  source.has_frames = [&](uint32_t q) { return !flows_of[q].empty(); };
  source.fill = [&](uint32_t q, rte_mbuf* m) {
    const uint32_t flow = flows_of[q][cursors[q].next++ % flows_of[q].size()];
    const bool syn = opened[flow] == 0;
    opened[flow] = 1;
    dataplane::TcpFrameSpec spec;
    spec.src_mac = testing::kClient.mac;
    spec.dst_mac = mac;
    spec.src_ip = testing::kClient.ip;
    spec.dst_ip = testing::kVip;
    spec.src_port = static_cast<uint16_t>(1024 + flow);
    spec.dst_port = 2525;
    spec.seq = next_seq[flow];
    spec.ack = syn ? 0 : 7000;
    spec.flags = syn ? dataplane::kTcpSyn : (dataplane::kTcpAck | dataplane::kTcpPsh);
    spec.window = 65535;
    if (!syn) spec.payload[0] = payload;
    next_seq[flow] += syn ? 1 : o.payload;
    const dataplane::BuiltFrame built =
        dataplane::build_tcp_frame(spec, rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m));
    rte_pktmbuf_append(m, static_cast<uint16_t>(built.length));
  };
  source.warm = [&](uint32_t q) {
    return std::all_of(flows_of[q].begin(), flows_of[q].end(), [&](uint32_t f) { return opened[f] != 0; });
  };
  return run_feed(o, *app, workers, source, r);
}

// Pass-through of a capture's client frames (tools/trex-amplify --split's outside file): each frame goes to the
// queue of its client port's owner, in file order per queue (a flow's frames stay in order), copied into mbufs in
// the untimed phase with the appliance's MAC as destination; the file is replayed from its start until --packets.
RunResult run_pcap(const Options& o, uint32_t workers, const bench::PcapFrames& capture) {
  RunResult r;
  r.mode = "pcap";
  r.workers = workers;
  std::unique_ptr<RingAppliance> app = feed_appliance(workers, 65536, &r);
  if (!app) return r;
  std::vector<std::vector<uint32_t>> frames_of(workers);
  for (uint32_t i = 0; i < capture.size(); ++i) {
    const bench::PcapFrame f = capture[i];
    dataplane::FrameLayout layout;
    dataplane::TcpHeaderView tcp;
    const dataplane::FrameKind kind = dataplane::locate_layers(f.bytes.data(), f.bytes.size(), layout);
    if ((kind != dataplane::FrameKind::Ipv4 && kind != dataplane::FrameKind::Ipv6) ||
        !dataplane::read_tcp_header(f.bytes.data(), layout, &tcp) || f.bytes.size() > 2000) {
      continue;
    }
    frames_of[app->steering().owner(Side::Outside, tcp.src_port, tcp.dst_port)].push_back(i);
  }
  struct alignas(64) Cursor {
    size_t next = 0;
  };
  std::vector<Cursor> cursors(workers);
  const dataplane::MacAddress mac = app->mac(Side::Outside);
  FeedSource source;
  source.has_frames = [&](uint32_t q) { return !frames_of[q].empty(); };
  source.fill = [&](uint32_t q, rte_mbuf* m) {
    const bench::PcapFrame f = capture[frames_of[q][cursors[q].next++ % frames_of[q].size()]];
    auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(f.bytes.size())));
    std::memcpy(data, f.bytes.data(), f.bytes.size());
    std::memcpy(data, mac.data(), 6);
  };
  source.warm = [](uint32_t) { return true; };   // after one round: the capture's first SYNs opened the NAT entries
  return run_feed(o, *app, workers, source, r);
}

RunResult run_proxy(const Options& o, uint32_t workers) {
  RunResult r;
  r.mode = "proxy";
  r.workers = workers;
  RingAppliance app(scale_config(std::max<uint32_t>(16384, o.concurrency * workers * 4)), scale_limits(workers));
  if (!app.ok() || !teach_neighbours(app)) {
    r.ok = false;
    r.error = "set-up: " + app.error();
    return r;
  }
  const std::string body = testing::message_body(o.body_bytes);
  const std::vector<testing::Step> steps = testing::smtp_steps(body);
  const uint32_t in_flight = o.concurrency * workers;
  std::vector<testing::PeerSlot> slots(in_flight);
  for (testing::PeerSlot& s : slots) testing::make_peers(app, s);
  std::vector<int32_t> slot_of_port(65536, -1);
  // `owner` steering: thread w runs the peers of the sessions worker w owns (slots w, w+W, ...; client ports from
  // the ports worker w owns), reading only its own tx rings and feeding only its own rx rings. `any` steering:
  // the main thread runs every peer (a peer then feeds another worker's ring, which one producer must do).
  struct PeerThread {
    alignas(64) uint32_t next_port = 0;
    uint32_t iss = 12345;
    uint64_t resets = 0;
    std::vector<uint32_t> slots;
    std::vector<uint16_t> ports;   // client ports this thread's sessions use
  };
  const uint32_t peer_threads = o.owner_steering ? workers : 1;
  std::vector<PeerThread> threads(peer_threads);
  for (uint32_t i = 0; i < in_flight; ++i) threads[i % peer_threads].slots.push_back(i);
  for (uint32_t p = 1024; p < 61024; ++p) {
    threads[o.owner_steering ? app.steering().owner_of_port(static_cast<uint16_t>(p)) : 0].ports.push_back(
        static_cast<uint16_t>(p));
  }
  const bench::RoundRunner::Prepare prepare = [&](uint32_t w) {
    if (w >= peer_threads) return;
    PeerThread& t = threads[w];
    const uint64_t now = rte_get_tsc_cycles() * 1'000'000'000ull / rte_get_tsc_hz();
    for (Side side : {Side::Outside, Side::Inside}) {   // the peers read what the workers sent
      rte_mbuf* burst[256];
      for (uint32_t q = 0; q < workers; ++q) {
        if (o.owner_steering && q != w) continue;
        uint32_t n;
        while ((n = app.take(side, q, burst, 256)) > 0) {
          for (uint32_t k = 0; k < n; ++k) testing::deliver(slots, slot_of_port, side, burst[k], &t.iss, now);
          rte_pktmbuf_free_bulk(burst, n);
        }
      }
    }
    for (uint32_t i : t.slots) {
      testing::PeerSlot& s = slots[i];
      if (s.active && testing::run_slot(s, steps, now) == testing::SlotEnd::Reset) ++t.resets;
      if (s.active) continue;
      const uint16_t port = t.ports[t.next_port++ % t.ports.size()];   // the slot's next session
      if (s.port != 0) slot_of_port[s.port] = -1;
      slot_of_port[port] = static_cast<int32_t>(i);
      const uint32_t owner = app.steering().owner_of_port(port);
      s.client->set_queue(o.owner_steering ? owner : i % workers);
      s.backend->set_queue(o.owner_steering ? owner : (i + 1) % workers);
      testing::start_session(s, port, t.iss += 7919, now);
    }
  };
  bench::RoundRunner rounds(app, workers);
  auto completed = [&] { return sum(app, [](const auto& c) { return c.sessions_completed.get(); }); };
  const uint64_t give_up = rte_get_tsc_cycles() + 600 * rte_get_tsc_hz();
  if (free_running(o)) {
    // Each core counts its own sessions from when its peers' pools have grown to their peak (its first
    // `concurrency` sessions completed).
    std::vector<CoreShare> shares(workers);
    rounds.free_run(prepare, [&](uint32_t w, uint64_t cycles) {
      CoreShare& s = shares[w];
      const uint64_t done = app.worker(w).counters().sessions_completed.get();
      if (rte_get_tsc_cycles() > give_up) {
        s.failed = true;
        return true;
      }
      if (!s.warm) {
        s.warm = done >= o.concurrency;
        s.baseline = done;
        return false;
      }
      s.busy += cycles;
      s.units = done - s.baseline;
      return s.units >= o.sessions / workers;
    });
    add_shares(shares, &r);
    if (std::any_of(shares.begin(), shares.end(), [](const CoreShare& s) { return s.failed; })) {
      r.ok = false;
      r.error = "sessions stopped completing";
    }
  } else {
    const uint64_t warmup = in_flight;
    uint64_t baseline = 0;
    bool warm = false;
    while (!warm || completed() - baseline < o.sessions) {
      if (rte_get_tsc_cycles() > give_up) {
        r.ok = false;
        r.error = "sessions stopped completing";
        break;
      }
      if (!warm && completed() >= warmup) {   // the pools have grown to their peak: measure from here
        warm = true;
        baseline = completed();
      }
      const uint64_t cycles = rounds.round(prepare);   // peers untimed, workers timed
      const uint64_t busy = rounds.take_busy_cycles();
      if (warm) {
        r.busy += busy;
        r.cycles += cycles + settle_handovers(app, rounds);
      }
    }
    r.units = completed() - baseline;
  }
  for (const PeerThread& t : threads) r.resets += t.resets;
  r.frames = sum(app, [](const auto& c) { return c.rx_packets.get(); });
  r.redirected = sum(app, [](const auto& c) { return c.redirected_out.get(); });
  r.redirect_dropped = sum(app, [](const auto& c) { return c.redirect_dropped.get(); });
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
    std::fprintf(stderr, "sluice-bench-scale: %s\n", error.c_str());
    return 1;
  }
  const double hz = static_cast<double>(rte_get_tsc_hz());
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  // Runs are interleaved (1, 2, ..., 1, 2, ...) so a slow spell of a shared host hits every worker count alike;
  // each (mode, workers) reports its median run.
  std::vector<std::vector<RunResult>> runs;   // [mode * workers.size() + index of workers][repeat]
  std::vector<std::string> modes;
  if (o.passthrough) modes.push_back("passthrough");
  if (o.proxy) modes.push_back("proxy");
  std::optional<bench::PcapFrames> capture;
  if (!o.pcap.empty()) {
    capture = bench::PcapFrames::load(o.pcap, &error);
    if (!capture) {
      std::fprintf(stderr, "sluice-bench-scale: %s\n", error.c_str());
      return 1;
    }
    modes.push_back("pcap");
  }
  runs.resize(modes.size() * o.workers.size());
  for (size_t m = 0; m < modes.size(); ++m) {
    for (uint32_t rep = 0; rep < o.repeat; ++rep) {
      for (size_t k = 0; k < o.workers.size(); ++k) {
        const uint32_t w = o.workers[k];
        runs[m * o.workers.size() + k].push_back(modes[m] == "passthrough" ? run_passthrough(o, w)
                                                 : modes[m] == "proxy"     ? run_proxy(o, w)
                                                                           : run_pcap(o, w, *capture));
      }
    }
  }
  auto rate_of = [&](const RunResult& r) {
    if (r.rate > 0) return r.rate;
    return r.cycles ? static_cast<double>(r.units) * hz / r.cycles : 0.0;
  };
  // "vs 1": the median over repeats of (this run's rate / the 1-worker run's just before it, same repeat). A
  // shared host's slow spells last seconds and hit a pair alike, so pairing cancels them better than a ratio of
  // medians taken minutes apart; the ratio of the medians is in the JSON too.
  std::vector<double> vs_one(runs.size(), 0.0);
  const auto one = std::find(o.workers.begin(), o.workers.end(), 1u);
  for (size_t i = 0; one != o.workers.end() && i < runs.size(); ++i) {
    const std::vector<RunResult>& base = runs[i - i % o.workers.size() + (one - o.workers.begin())];
    std::vector<double> ratios;
    for (size_t rep = 0; rep < runs[i].size(); ++rep) {
      if (runs[i][rep].ok && base[rep].ok && rate_of(base[rep]) > 0) {
        ratios.push_back(rate_of(runs[i][rep]) / rate_of(base[rep]));
      }
    }
    std::sort(ratios.begin(), ratios.end());
    if (!ratios.empty()) vs_one[i] = ratios[ratios.size() / 2];
  }
  std::vector<RunResult> results;   // the median run of each (mode, workers)
  bool ok = true;
  for (const std::vector<RunResult>& set : runs) {   // each kept in run order: the pairs stay visible
    for (const RunResult& r : set) ok = ok && r.ok;
    std::vector<RunResult> sorted = set;
    std::sort(sorted.begin(), sorted.end(), [&](const RunResult& a, const RunResult& b) { return rate_of(a) < rate_of(b); });
    results.push_back(sorted[sorted.size() / 2]);
  }
  const uint32_t most = *std::max_element(o.workers.begin(), o.workers.end());
  const double machine_limit = most > 1 ? bench::machine_parallel_ratio(2, false) : 1.0;
  const double memory_limit = most > 1 ? bench::machine_parallel_ratio(2, true) : 1.0;
  std::FILE* table = o.json ? stderr : stdout;
  std::fprintf(table, "machine limits: 2 pinned threads of a share-nothing loop run %.2fx one thread in L2, %.2fx "
               "memory-bound (medians of 5)\n", machine_limit, memory_limit);
  const char* clock = free_running(o) ? "free-running cores (rate: the sum of the cores' own)"
                                      : "lockstep rounds (rate: units / the rounds' wall-clock)";
  std::fprintf(table, "sluice-bench-scale: ring ports, one rx/tx ring per worker, steering %s, %s, %ld online CPUs, "
               "TSC %.3f GHz, median of %u interleaved runs; vs 1: median of the paired ratios\n", o.owner_steering ? "owner" : "any", clock, cpus,
               hz / 1e9, o.repeat);
  std::fprintf(table, "  %-12s %7s %12s %10s %14s %14s %10s %10s %10s  %s\n", "mode", "workers", "units", "seconds",
               "rate/s", "core-cyc/unit", "busy/unit", "vs 1", "redirected", "every run's rate/s");
  for (size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    if (!r.ok) {
      std::fprintf(table, "  %-12s %7u  failed: %s\n", r.mode.c_str(), r.workers, r.error.c_str());
      continue;
    }
    std::string all;
    for (const RunResult& x : runs[i]) all += std::to_string(static_cast<uint64_t>(rate_of(x))) + " ";
    std::fprintf(table, "  %-12s %7u %12llu %10.3f %14.0f %14.1f %10.1f %10.2f %10llu  %s\n", r.mode.c_str(),
                 r.workers, static_cast<unsigned long long>(r.units), r.cycles / hz, rate_of(r),
                 r.units ? static_cast<double>(r.cycles) * r.workers / r.units : 0.0,
                 r.units ? static_cast<double>(r.busy) / r.units : 0.0, vs_one[i],
                 static_cast<unsigned long long>(r.redirected), all.c_str());
  }
  if (o.json) {
    std::printf("{\"bench\":\"scale\",\"cores\":%ld,\"tsc_hz\":%.0f,\"repeat\":%u,\"clock\":\"%s\","
                "\"machine_parallel_ratio_2\":%.3f,\"machine_memory_ratio_2\":%.3f,\"runs\":[", cpus, hz, o.repeat,
                free_running(o) ? "free" : "lockstep", machine_limit, memory_limit);
    for (size_t i = 0; i < results.size(); ++i) {
      const RunResult& r = results[i];
      std::string all;
      for (const RunResult& x : runs[i]) all += (all.empty() ? "" : ",") + std::to_string(rate_of(x));
      std::printf("%s{\"mode\":\"%s\",\"workers\":%u,\"steering\":\"%s\",\"units\":\"%s\",\"count\":%llu,"
                  "\"seconds\":%.6f,\"rate\":%.1f,\"cycles_per_unit\":%.1f,\"busy_cycles_per_unit\":%.1f,\"redirected\":%llu,"
                  "\"redirect_dropped\":%llu,\"resets\":%llu,\"ok\":%s,\"vs_one\":%.3f,\"rates\":[%s]}",
                  i ? "," : "", r.mode.c_str(), r.workers, o.owner_steering ? "owner-queue" : "any-queue",
                  r.mode == "proxy" ? "sessions" : "packets", static_cast<unsigned long long>(r.units), r.cycles / hz,
                  rate_of(r), r.units ? static_cast<double>(r.cycles) * r.workers / r.units : 0.0,
                  r.units ? static_cast<double>(r.busy) / r.units : 0.0,
                  static_cast<unsigned long long>(r.redirected), static_cast<unsigned long long>(r.redirect_dropped),
                  static_cast<unsigned long long>(r.resets), r.ok ? "true" : "false", vs_one[i], all.c_str());
    }
    // "scaling": 2 workers / 1 as the paired median ("vs 1"); "scaling_of_medians": the ratio of the medians.
    for (const bool paired : {true, false}) {
      std::printf(paired ? "],\"scaling\":{" : "},\"scaling_of_medians\":{");
      bool first = true;
      for (const std::string& mode : modes) {
        double two = 0, base = 0;
        for (size_t i = 0; i < results.size(); ++i) {
          const RunResult& r = results[i];
          if (r.mode != mode || !r.ok) continue;
          if (r.workers == 1) base = rate_of(r);
          if (r.workers == 2) two = paired ? vs_one[i] : rate_of(r);
        }
        if (two > 0 && (paired || base > 0)) {
          std::printf("%s\"%s\":%.3f", first ? "" : ",", mode.c_str(), paired ? two : two / base);
          first = false;
        }
      }
    }
    std::printf("}}\n");
  }
  return ok ? 0 : 1;
}
