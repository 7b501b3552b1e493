// tools/bench/memory_bench.cc — sluice-bench-memory: what one idle proxied SMTP session and one TLS session cost
// in memory, and how many concurrent sessions that makes on a 64 GB appliance (issue 7).
//
//   idle SMTP: the live worker in-process on two net_ring ports (tests/component/ring_appliance.h); sessions are
//     opened with crafted frames (tests/component/idle_sessions.h: client SYN, backend SYN-ACK, client ACK, the
//     backend's 220 relayed to the client, client ACK) and left idle. Measured at two session counts from one
//     baseline (to show the cost is linear): the heap in use (glibc mallinfo2 uordblks + hblkhd) and the
//     resident set (/proc/self/statm), each divided by the sessions open. Also the fixed cost per `max-flows`
//     slot (connection table in DPDK memory, pass-through entries, pool vectors), from two appliances of
//     different max-flows.
//   TLS: N pairs of sluice_tls sessions (the daemon's TlsSession, server leg on the appliance's certificate)
//     complete TLS 1.3 handshakes in-process and stay open; heap per pair, then per server session alone (the
//     clients are destroyed and the heap measured again).
// Output: a table on stderr; with --json one JSON object on stdout for tools/bench's runner.
// May call: the ring harness and idle_sessions.h, dataplane/reassembly/scan/tls headers (sizeof figures),
// tls/ (sluice_tls), tests/unit/tls/test_pki.h, DPDK malloc statistics, glibc mallinfo2.
// Not a test: figures depend on the allocator and the build; tests/component/session_scale_test.cc holds a bound.
#include <malloc.h>
#include <rte_malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/proxy_session.h"
#include "reassembly/tcp_endpoint.h"
#include "tests/component/idle_sessions.h"
#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/unit/tls/test_pki.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"
#include "tls/tls_session.h"

namespace {

using namespace sluice;
using sluice::testing::Host;
using sluice::testing::IdleSessionOpener;
using sluice::testing::IdleSessionSpec;
using sluice::testing::IpAddr;
using sluice::testing::ProcessMemory;
using sluice::testing::RingAppliance;

constexpr double kAppliance64GiB = 64.0 * 1024 * 1024 * 1024;

struct Options {
  uint32_t first = 10'000;   // sessions at the first measurement
  uint32_t second = 50'000;  // and at the second (same baseline)
  uint32_t tls = 2'000;      // TLS session pairs
  bool json = false;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "sluice-bench-memory: %s\n", why.c_str());
  std::exit(1);
}

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto count = [&](uint32_t* v, uint32_t max) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      const unsigned long n = std::strtoul(argv[++i], &end, 10);
      if (end == nullptr || *end != '\0' || n == 0 || n > max) return false;
      *v = static_cast<uint32_t>(n);
      return true;
    };
    if (a == "--json") {
      o->json = true;
    } else if (a == "--sessions" && count(&o->first, 200'000)) {
    } else if (a == "--sessions2" && count(&o->second, 200'000)) {
    } else if (a == "--tls-sessions" && count(&o->tls, 100'000)) {
    } else {
      return false;
    }
  }
  return o->first < o->second;
}

std::string appliance_config(uint32_t max_flows) {
  return testing::ring_config(
      {.max_flows = max_flows, .idle_timeout_s = 3600, .extra = std::string(testing::kIdleSessionTcpConfig)});
}

// Bytes the EAL's heaps hand out (rte_malloc, rte_hash, mempools): not in mallinfo.
uint64_t dpdk_heap_bytes() {
  rte_malloc_socket_stats stats{};
  return rte_malloc_get_socket_stats(0, &stats) == 0 ? stats.heap_allocsz_bytes : 0;
}

struct IdleFigures {
  uint32_t sessions[2] = {0, 0};
  double heap_per_session[2] = {0, 0}, rss_per_session[2] = {0, 0};
  double marginal_heap = 0, marginal_rss = 0;  // between the two counts
  uint32_t banners = 0;
  double fixed_heap_per_slot = 0, fixed_dpdk_per_slot = 0;  // per max-flows slot, whether used or not
};

// Heap and DPDK memory an appliance of `max_flows` takes when built (EAL and mbuf pool already there).
std::pair<double, double> construction_cost(uint32_t max_flows) {
  const ProcessMemory heap0 = ProcessMemory::now();
  const uint64_t dpdk0 = dpdk_heap_bytes();
  RingAppliance app(appliance_config(max_flows));
  if (!app.ok()) die(app.error());
  return {static_cast<double>(ProcessMemory::now().heap_bytes) - static_cast<double>(heap0.heap_bytes),
          static_cast<double>(dpdk_heap_bytes()) - static_cast<double>(dpdk0)};
}

IdleFigures measure_idle(const Options& o) {
  IdleFigures fig;
  { RingAppliance warm(appliance_config(16)); if (!warm.ok()) die(warm.error()); }  // EAL + mbuf pool, once
  const auto small = construction_cost(16);
  const auto large = construction_cost(o.second);
  fig.fixed_heap_per_slot = (large.first - small.first) / (o.second - 16);
  fig.fixed_dpdk_per_slot = (large.second - small.second) / (o.second - 16);

  RingAppliance app(appliance_config(o.second));
  if (!app.ok()) die(app.error());
  IdleSessionSpec spec;
  spec.clients = {Host{{0x02, 0, 0, 0, 0, 0x02}, *IpAddr::parse("198.51.100.2")},
                  Host{{0x02, 0, 0, 0, 0, 0x03}, *IpAddr::parse("198.51.100.3")},
                  Host{{0x02, 0, 0, 0, 0, 0x04}, *IpAddr::parse("198.51.100.4")},
                  Host{{0x02, 0, 0, 0, 0, 0x05}, *IpAddr::parse("198.51.100.5")}};
  spec.backend = Host{{0x02, 0, 0, 0, 0, 0x25}, *IpAddr::parse("10.0.0.25")};
  spec.vip = *IpAddr::parse("198.51.100.10");
  IdleSessionOpener opener(app, spec);
  if (!opener.teach_neighbours(*IpAddr::parse("10.0.0.1"))) die("neighbours not taught");
  const ProcessMemory base = ProcessMemory::now();
  ProcessMemory at[2];
  const uint32_t counts[2] = {o.first, o.second};
  for (int k = 0; k < 2; ++k) {
    const testing::IdleOpenReport r = opener.open(counts[k] - opener.opened());
    fig.banners += r.banners_relayed;
    if (r.inject_failures != 0) die("frames not injected: " + std::to_string(r.inject_failures));
    at[k] = ProcessMemory::now();
    fig.sessions[k] = static_cast<uint32_t>(app.worker().counters().sessions_open.get());
    if (fig.sessions[k] != counts[k]) die("sessions open: " + std::to_string(fig.sessions[k]));
    fig.heap_per_session[k] = static_cast<double>(at[k].heap_bytes - base.heap_bytes) / counts[k];
    fig.rss_per_session[k] = static_cast<double>(at[k].rss_bytes - base.rss_bytes) / counts[k];
  }
  fig.marginal_heap = static_cast<double>(at[1].heap_bytes - at[0].heap_bytes) / (counts[1] - counts[0]);
  fig.marginal_rss = static_cast<double>(at[1].rss_bytes - at[0].rss_bytes) / (counts[1] - counts[0]);
  opener.close_all();
  opener.settle();
  if (app.worker().sessions_in_use() != 0) die("sessions left after close");
  return fig;
}

// ------------------------------------------------------------------------------------------------- TLS

void move_all(tls::TlsSession& from, tls::TlsSession& to) {
  for (;;) {
    std::string_view out = from.pending_ciphertext();
    if (out.empty()) return;
    const size_t used = to.feed_ciphertext(out);
    if (used == 0) return;
    from.ciphertext_sent(used);
  }
}

void handshake_pair(tls::TlsSession& client, tls::TlsSession& server) {
  for (int step = 0; step < 1000; ++step) {
    const tls::TlsState c = client.advance(), s = server.advance();
    move_all(client, server);
    move_all(server, client);
    if (c == tls::TlsState::Failed || s == tls::TlsState::Failed)
      die("handshake failed: " + client.failure() + server.failure());
    if (c == tls::TlsState::Established && s == tls::TlsState::Established && client.pending_ciphertext().empty() &&
        server.pending_ciphertext().empty())
      return;
  }
  die("handshake did not settle");
}

struct TlsFigures {
  uint32_t sessions = 0;
  double pair_heap = 0, server_heap = 0, rss_per_pair = 0;
};

TlsFigures measure_tls(uint32_t pairs) {
  tls::test::TestPki pki;
  const std::string cert = pki.write("rsa.pem", pki.issue(tls::test::KeyKind::Rsa2048, {"mail.sluice.test"}));
  tls::TlsServerSettings server_settings;
  server_settings.cert_files = {cert};
  std::string error;
  std::vector<std::string> warnings;
  auto sctx = tls::TlsServerContext::build(server_settings, &error, &warnings);
  if (!sctx) die("server context: " + error);
  tls::TlsClientSettings client_settings;
  client_settings.server_name = "mail.sluice.test";
  auto cctx = tls::TlsClientContext::build(client_settings, &error);
  if (!cctx) die("client context: " + error);
  {  // OpenSSL's lazily built tables (ciphers, groups) are not per-session: build them before the baseline
    tls::TlsSession s(*sctx), c(*cctx);
    handshake_pair(c, s);
  }

  std::vector<std::unique_ptr<tls::TlsSession>> servers, clients;
  servers.reserve(pairs);
  clients.reserve(pairs);
  const ProcessMemory base = ProcessMemory::now();
  for (uint32_t i = 0; i < pairs; ++i) {
    servers.push_back(std::make_unique<tls::TlsSession>(*sctx));
    clients.push_back(std::make_unique<tls::TlsSession>(*cctx));
    handshake_pair(*clients.back(), *servers.back());
  }
  const ProcessMemory both = ProcessMemory::now();
  clients.clear();
  const ProcessMemory servers_only = ProcessMemory::now();
  TlsFigures fig;
  fig.sessions = pairs;
  fig.pair_heap = static_cast<double>(both.heap_bytes - base.heap_bytes) / pairs;
  fig.server_heap = (static_cast<double>(servers_only.heap_bytes) - static_cast<double>(base.heap_bytes)) / pairs;
  fig.rss_per_pair = static_cast<double>(both.rss_bytes - base.rss_bytes) / pairs;
  return fig;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, &o)) {
    std::fputs("usage: sluice-bench-memory [--sessions N] [--sessions2 M (> N)] [--tls-sessions T] [--json]\n", stderr);
    return 2;
  }
  std::string error;
  if (!testing::init_eal_once(&error)) die(error);
  const IdleFigures idle = measure_idle(o);
  const TlsFigures tls_fig = measure_tls(o.tls);

  // A session's whole cost: what it allocates once open (heap, or resident pages if larger: allocator overhead
  // and first-touched pages) plus its max-flows slot, allocated whether used or not.
  const double per_session = std::max(idle.heap_per_session[1], idle.rss_per_session[1]);
  const double per_slot = idle.fixed_heap_per_slot + idle.fixed_dpdk_per_slot;
  const double projected = kAppliance64GiB / (per_session + per_slot);

  std::fprintf(stderr, "idle SMTP sessions (heap = mallinfo2 in use, RSS = /proc/self/statm)\n");
  for (int k = 0; k < 2; ++k)
    std::fprintf(stderr, "  %7u open: heap %8.0f B/session   RSS %8.0f B/session\n", idle.sessions[k],
                 idle.heap_per_session[k], idle.rss_per_session[k]);
  std::fprintf(stderr, "  marginal (%u -> %u): heap %.0f B/session, RSS %.0f B/session; banners relayed %u\n",
               idle.sessions[0], idle.sessions[1], idle.marginal_heap, idle.marginal_rss, idle.banners);
  std::fprintf(stderr, "  fixed per max-flows slot: heap %.0f B + DPDK memory %.0f B\n", idle.fixed_heap_per_slot,
               idle.fixed_dpdk_per_slot);
  std::fprintf(stderr, "  sizeof: ProxySession %zu, TcpEndpoint %zu (x2), SmtpRelay %zu, RelayInspector %zu\n",
               sizeof(dataplane::ProxySession), sizeof(reassembly::TcpEndpoint), sizeof(smtp::SmtpRelay),
               sizeof(scan::RelayInspector));
  std::fprintf(stderr, "TLS 1.3 sessions (%u pairs, RSA-2048 server certificate)\n", tls_fig.sessions);
  std::fprintf(stderr, "  server+client %.0f B/pair (RSS %.0f), server alone %.0f B/session\n", tls_fig.pair_heap,
               tls_fig.rss_per_pair, tls_fig.server_heap);
  std::fprintf(stderr, "64 GiB / (%.0f B per idle session + %.0f B per slot) = %.0f concurrent idle sessions\n",
               per_session, per_slot, projected);
  if (o.json) {
    std::printf(
        "{\"idle_smtp_bytes_per_session\": %.0f, \"tls_bytes_per_session\": %.0f, \"sessions\": %u, "
        "\"rss_bytes_per_session\": %.0f, \"projected_sessions_64gb\": %.0f, \"idle_smtp_bytes_per_session_first\": "
        "%.0f, \"sessions_first\": %u, \"marginal_heap_bytes_per_session\": %.0f, \"fixed_bytes_per_max_flows_slot\": "
        "%.0f, \"tls_pair_bytes\": %.0f, \"tls_sessions\": %u, \"sizeof_proxy_session\": %zu}\n",
        idle.heap_per_session[1], tls_fig.server_heap, idle.sessions[1], idle.rss_per_session[1], projected,
        idle.heap_per_session[0], idle.sessions[0], idle.marginal_heap, per_slot, tls_fig.pair_heap, tls_fig.sessions,
        sizeof(dataplane::ProxySession));
  }
  return 0;
}
