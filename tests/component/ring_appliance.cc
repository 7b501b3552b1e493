// tests/component/ring_appliance.cc — see ring_appliance.h.
#include "tests/component/ring_appliance.h"

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <mutex>

#include "control/policy.h"
#include "dataplane/arp.h"
#include "dataplane/checksum.h"
#include "dataplane/frame_layout.h"
#include "dataplane/ndp.h"
#include "dataplane/segment_codec.h"
#include "dataplane/tcp_header.h"
#include "scan/engine/scratch.h"
#include "scan/inspector/policy_snapshot.h"
#include "scan/inspector/session_inspector.h"

namespace sluice::testing {

using namespace sluice::dataplane;

namespace {

std::once_flag g_eal_once;
bool g_eal_ok = false;
std::string g_eal_error;
rte_mempool* g_pool = nullptr;
std::vector<rte_mempool*> g_worker_pools;   // [i - 1] for workers i >= 1, created by the first appliance that needs them
std::atomic<uint32_t> g_instance{0};

}  // namespace

bool init_eal_once(std::string* error) {
  std::call_once(g_eal_once, [] {
    const std::string prefix = "ring-" + std::to_string(getpid());
    std::vector<std::string> args = {"sluice-ring", "-m", "2048", "--no-pci", "--no-telemetry",
                                     "--file-prefix", prefix, "--log-level=*:error"};
    // Tests run without hugepages (any machine); a benchmark asks for them with SLUICE_HUGEPAGES=1 (after
    // `echo 512 > /proc/sys/vm/nr_hugepages` and a hugetlbfs mount): 4 KB pages cost a TLB miss per mbuf.
    const char* huge = std::getenv("SLUICE_HUGEPAGES");
    if (huge == nullptr || std::string(huge) != "1") args.insert(args.begin() + 1, "--no-huge");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      g_eal_error = "rte_eal_init failed: " + std::string(rte_strerror(rte_errno));
      return;
    }
    g_eal_ok = true;
    // --no-huge cannot go with --in-memory, so the EAL leaves its runtime directory (a few MB of fbarray
    // files per process) under /var/run/dpdk; each process removes its own at exit.
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(rte_eal_get_runtime_dir(), ignored);
    });
  });
  if (!g_eal_ok && error != nullptr) *error = g_eal_error;
  return g_eal_ok;
}

// Keeps every message record in memory, in order.
class RingAppliance::MemorySink final : public scan::RecordSink {
 public:
  explicit MemorySink(bool keep) : keep_(keep) {}
  void on_message_record(const scan::MessageRecord& record) override {
    if (keep_) records.push_back(record);
    if (logged != nullptr) logged->add();
  }
  std::vector<scan::MessageRecord> records;
  Counter* logged = nullptr;

 private:
  bool keep_;
};

RingAppliance::RingAppliance(std::string_view config_text, const RingApplianceLimits& limits)
    : limits_(limits),
      queue_stride_(limits.workers <= 1 ? 1 : std::clamp<uint32_t>(RTE_PMD_RING_MAX_RX_RINGS / limits.workers, 1, 4)) {
  if (!init_eal_once(&error_)) return;
  if (g_pool == nullptr) {
    g_pool = rte_pktmbuf_pool_create("ring_pool", limits_.pool_mbufs, 256, 0,
                                     static_cast<uint16_t>(limits_.mbuf_data_room + RTE_PKTMBUF_HEADROOM),
                                     SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      error_ = "mbuf pool: " + std::string(rte_strerror(rte_errno));
      return;
    }
  }
  const uint32_t workers = std::max<uint32_t>(1, limits_.workers);
  for (uint32_t i = static_cast<uint32_t>(g_worker_pools.size()) + 1; i < workers; ++i) {
    rte_mempool* pool = rte_pktmbuf_pool_create(("ring_pool_" + std::to_string(i)).c_str(), limits_.pool_mbufs, 256, 0,
                                                static_cast<uint16_t>(limits_.mbuf_data_room + RTE_PKTMBUF_HEADROOM),
                                                SOCKET_ID_ANY);
    if (pool == nullptr) {
      error_ = "mbuf pool " + std::to_string(i) + ": " + std::string(rte_strerror(rte_errno));
      return;
    }
    g_worker_pools.push_back(pool);
  }
  const uint32_t n = g_instance.fetch_add(1);
  if (!make_port("o" + std::to_string(n), &outside_) || !make_port("i" + std::to_string(n), &inside_)) return;

  control::LoadResult loaded = control::load_config_text(config_text, "ring.conf", "");
  if (!loaded.ok()) {
    for (const control::ConfigError& e : loaded.errors) error_ += e.to_string() + "\n";
    return;
  }
  policy_ = std::move(loaded.policy);
  for (control::Interface& i : policy_.interfaces) {
    if (i.name == "outside") i.port = outside_.id;
    if (i.name == "inside") i.port = inside_.id;
  }
  snapshot_ = scan::build_policy_snapshot(policy_, &error_);
  if (snapshot_ == nullptr) return;
  if (!build_live_topology(snapshot_->policy, &topology_, &error_)) return;
  for (LinkConfig* link : {&topology_.outside, &topology_.inside}) {
    rte_ether_addr mac;
    rte_eth_macaddr_get(link->port_id, &mac);
    for (int i = 0; i < 6; ++i) link->mac[i] = mac.addr_bytes[i];
  }
  steering_ = FlowSteering(workers);
  if (!mesh_.init("ring_mesh" + std::to_string(n), workers, 4096, SOCKET_ID_ANY, &error_)) return;
  workers_.resize(workers);
  for (uint32_t w = 0; w < workers; ++w) {
    Worker& slot = workers_[w];
    slot.scratch = std::make_unique<engine::Scratch>(*snapshot_->database);
    slot.sink = std::make_unique<MemorySink>(limits_.keep_records);
    slot.clock_ns = std::make_unique<uint64_t>(0);
    const scan::InspectorContext inspector{snapshot_.get(), slot.scratch.get(), slot.sink.get(), slot.clock_ns.get()};
    LiveWorkerSettings settings = live_worker_settings(snapshot_->policy);
    if (workers > 1) {
      settings.placement.index = w;
      settings.placement.queue = static_cast<uint16_t>(w * queue_stride_);
      settings.placement.steering = &steering_;
      settings.placement.mesh = &mesh_;
      settings.placement.outside_rx_queues = settings.placement.inside_rx_queues =
          static_cast<uint16_t>(workers * queue_stride_);
    }
    slot.worker = std::make_unique<LiveWorker>(settings, topology_, pool(w), inspector, slot.clock_ns.get());
    if (!slot.worker->init("ring_conns_" + std::to_string(n) + "_" + std::to_string(w), SOCKET_ID_ANY, &error_)) {
      workers_.clear();
      return;
    }
    slot.sink->logged = &slot.worker->messages_logged();
  }
}

bool RingAppliance::make_port(const std::string& name, Port* port) {
  const uint32_t queues = std::max<uint32_t>(1, limits_.workers) * queue_stride_;
  for (uint32_t q = 0; q < queues; ++q) {
    const std::string suffix = queues == 1 ? "" : std::to_string(q);
    rte_ring* rx = rte_ring_create((name + "_rx" + suffix).c_str(), limits_.ring_size, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* tx = rte_ring_create((name + "_tx" + suffix).c_str(), limits_.ring_size, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (rx != nullptr) port->rx.push_back(rx);
    if (tx != nullptr) port->tx.push_back(tx);
    if (rx == nullptr || tx == nullptr) {
      error_ = "rte_ring_create " + name + ": " + rte_strerror(rte_errno);
      return false;
    }
  }
  const int id = rte_eth_from_rings(("net_ring_" + name).c_str(), port->rx.data(), queues, port->tx.data(), queues,
                                    SOCKET_ID_ANY);
  if (id < 0) {
    error_ = "rte_eth_from_rings " + name + ": " + rte_strerror(rte_errno);
    return false;
  }
  port->id = static_cast<uint16_t>(id);
  rte_eth_conf conf{};
  bool ok = rte_eth_dev_configure(port->id, static_cast<uint16_t>(queues), static_cast<uint16_t>(queues), &conf) == 0;
  for (uint32_t q = 0; ok && q < queues; ++q) {
    ok = rte_eth_rx_queue_setup(port->id, static_cast<uint16_t>(q), 1024, SOCKET_ID_ANY, nullptr,
                                 pool(q / queue_stride_)) == 0 &&
         rte_eth_tx_queue_setup(port->id, static_cast<uint16_t>(q), 1024, SOCKET_ID_ANY, nullptr) == 0;
  }
  if (!ok || rte_eth_dev_start(port->id) != 0) {
    error_ = "configuring ring port " + name;
    return false;
  }
  port->started = true;
  return true;
}

RingAppliance::~RingAppliance() {
  workers_.clear();
  for (Port* p : {&outside_, &inside_}) {
    for (std::vector<rte_ring*>* rings : {&p->tx, &p->rx}) {
      for (rte_ring* r : *rings) {
        rte_mbuf* m[64];
        unsigned n;
        while ((n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(m), 64, nullptr)) > 0) rte_pktmbuf_free_bulk(m, n);
      }
    }
    if (p->started) {
      rte_eth_dev_stop(p->id);
      rte_eth_dev_close(p->id);
    }
    for (rte_ring* r : p->rx) rte_ring_free(r);
    for (rte_ring* r : p->tx) rte_ring_free(r);
  }
}

bool RingAppliance::inject(Side side, std::span<const uint8_t> frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (m == nullptr) return false;
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::memcpy(data, frame.data(), frame.size());
  return inject_mbuf(side, m);
}

bool RingAppliance::inject_mbuf(Side side, rte_mbuf* mbuf) { return inject_mbuf(side, 0, mbuf); }

bool RingAppliance::inject_mbuf(Side side, uint32_t queue, rte_mbuf* mbuf) {
  if (rte_ring_enqueue(port(side).rx[queue * queue_stride_], mbuf) != 0) {
    rte_pktmbuf_free(mbuf);
    return false;
  }
  return true;
}

uint32_t RingAppliance::inject_burst(Side side, uint32_t queue, rte_mbuf** mbufs, uint32_t count) {
  return rte_ring_enqueue_burst(port(side).rx[queue * queue_stride_], reinterpret_cast<void**>(mbufs), count, nullptr);
}

void RingAppliance::poll(int iterations) {
  for (int i = 0; i < iterations; ++i) {
    for (Worker& w : workers_) w.worker->poll_once();
  }
}

uint32_t RingAppliance::rx_pending(Side side, uint32_t queue) const {
  const Port& p = side == Side::Outside ? outside_ : inside_;
  return rte_ring_count(p.rx[queue * queue_stride_]);
}

uint32_t RingAppliance::take(Side side, uint32_t queue, rte_mbuf** out, uint32_t max) {
  return rte_ring_dequeue_burst(port(side).tx[queue * queue_stride_], reinterpret_cast<void**>(out), max, nullptr);
}

// Every worker's transmissions, worker 0's first.
uint32_t RingAppliance::take(Side side, rte_mbuf** out, uint32_t max) {
  uint32_t n = 0;
  for (rte_ring* r : port(side).tx) {
    if (n == max) break;
    n += rte_ring_dequeue_burst(r, reinterpret_cast<void**>(out + n), max - n, nullptr);
  }
  return n;
}

std::vector<Frame> RingAppliance::drain(Side side) {
  std::vector<Frame> frames;
  rte_mbuf* m[64];
  uint32_t n;
  while ((n = take(side, m, 64)) > 0) {
    for (uint32_t i = 0; i < n; ++i) {
      frames.push_back(parse_frame(rte_pktmbuf_mtod(m[i], const uint8_t*), rte_pktmbuf_data_len(m[i])));
      rte_pktmbuf_free(m[i]);
    }
  }
  return frames;
}

uint32_t RingAppliance::discard(Side side) {
  uint32_t total = 0;
  rte_mbuf* m[64];
  uint32_t n;
  while ((n = take(side, m, 64)) > 0) {
    rte_pktmbuf_free_bulk(m, n);
    total += n;
  }
  return total;
}

MacAddress RingAppliance::mac(Side side) const {
  return side == Side::Outside ? topology_.outside.mac : topology_.inside.mac;
}

rte_mempool* RingAppliance::pool() const { return g_pool; }

rte_mempool* RingAppliance::pool(uint32_t i) const { return i == 0 ? g_pool : g_worker_pools[i - 1]; }

const std::vector<scan::MessageRecord>& RingAppliance::records() const { return records(0); }

const std::vector<scan::MessageRecord>& RingAppliance::records(uint32_t worker) const {
  return workers_[worker].sink->records;
}

// ---- frames ----

std::vector<uint8_t> tcp_frame(const Host& from, const MacAddress& to_mac, const IpAddr& to, uint16_t src_port,
                               uint16_t dst_port, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                               std::string_view payload, const reassembly::TcpSynOptions* syn) {
  uint8_t options[kMaxTcpOptionsLen];
  size_t options_length = 0;
  if (syn != nullptr) options_length = reassembly::encode_syn_options(*syn, options);
  TcpFrameSpec spec;
  spec.src_mac = from.mac;
  spec.dst_mac = to_mac;
  spec.src_ip = from.ip;
  spec.dst_ip = to;
  spec.src_port = src_port;
  spec.dst_port = dst_port;
  spec.seq = seq;
  spec.ack = ack;
  spec.flags = flags;
  spec.window = window;
  spec.options = std::span<const uint8_t>(options, options_length);
  spec.payload[0] = payload;
  std::vector<uint8_t> out(payload.size() + 200);
  const BuiltFrame built = build_tcp_frame(spec, out.data(), out.size());
  out.resize(built.length);
  return out;
}

std::vector<uint8_t> arp_request(const Host& from, const IpAddr& target) {
  std::vector<uint8_t> out(64);
  out.resize(build_arp_request(from.mac, from.ip, target, 0, out.data(), out.size()));
  return out;
}

std::vector<uint8_t> neighbor_solicitation(const Host& from, const IpAddr& target) {
  std::vector<uint8_t> out(128);
  out.resize(build_neighbor_solicitation(from.mac, from.ip, target, 0, out.data(), out.size()));
  return out;
}

std::vector<uint8_t> icmp_echo_request(const Host& from, const MacAddress& to_mac, const IpAddr& to, uint16_t id,
                                       uint16_t sequence) {
  // 50 bytes of frame, padded with zeroes to the Ethernet minimum from the start.
  std::vector<uint8_t> f(std::max<size_t>(14 + 20 + 8 + 8, kMinFrameLen), 0);
  std::memcpy(f.data(), to_mac.data(), 6);
  std::memcpy(f.data() + 6, from.mac.data(), 6);
  store_be16(f.data() + 12, kEtherTypeIpv4);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  store_be16(ip + 2, 36);
  ip[8] = 64;
  ip[9] = kIpProtoIcmp;
  std::memcpy(ip + 12, from.ip.v4_bytes(), 4);
  std::memcpy(ip + 16, to.v4_bytes(), 4);
  store_be16(ip + 10, internet_checksum(ip, 20));
  uint8_t* icmp = ip + 20;
  icmp[0] = 8;
  store_be16(icmp + 4, id);
  store_be16(icmp + 6, sequence);
  std::memcpy(icmp + 8, "pingpong", 8);
  store_be16(icmp + 2, internet_checksum(icmp, 16));
  return f;
}

Frame parse_frame(const uint8_t* data, size_t length) {
  Frame f;
  f.bytes.assign(data, data + length);
  if (length >= 12) {
    std::memcpy(f.dst_mac.data(), data, 6);
    std::memcpy(f.src_mac.data(), data + 6, 6);
  }
  FrameLayout layout;
  const FrameKind kind = locate_layers(data, length, layout);
  if (kind == FrameKind::Arp) {
    f.kind = Frame::Kind::Arp;
    const uint8_t* arp = data + layout.l3_offset;
    f.arp_op = load_be16(arp + 6);
    f.src = IpAddr::v4(arp + 14);
    f.dst = IpAddr::v4(arp + 24);
    f.checksums_ok = true;
    return f;
  }
  if (kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) return f;
  const bool v4 = kind == FrameKind::Ipv4;
  const uint8_t* l3 = data + layout.l3_offset;
  f.src = v4 ? IpAddr::v4(l3 + 12) : IpAddr::v6(l3 + 8);
  f.dst = v4 ? IpAddr::v4(l3 + 16) : IpAddr::v6(l3 + 24);
  const bool ip_ok = !v4 || checksum_valid(l3, layout.l3_header_len);
  const uint8_t* l4 = data + layout.l4_offset;
  const uint64_t pseudo = v4 ? pseudo_header_sum_v4(l3 + 12, l3 + 16, layout.l4_protocol, layout.l4_len)
                             : pseudo_header_sum_v6(l3 + 8, l3 + 24, layout.l4_protocol, layout.l4_len);
  if (layout.l4_protocol == kIpProtoIcmp || layout.l4_protocol == kIpProtoIcmpv6) {
    f.kind = layout.l4_protocol == kIpProtoIcmp ? Frame::Kind::Icmp : Frame::Kind::Icmpv6;
    f.icmp_type = layout.l4_len > 0 ? l4[0] : 0;
    const uint64_t sum = checksum_add(v4 ? 0 : pseudo, l4, layout.l4_len);
    f.checksums_ok = ip_ok && checksum_fold(sum) == 0xffff;
    f.payload.assign(reinterpret_cast<const char*>(l4), layout.l4_len);
    return f;
  }
  TcpHeaderView tcp;
  if (!read_tcp_header(data, layout, &tcp)) return f;
  f.kind = Frame::Kind::Tcp;
  f.src_port = tcp.src_port;
  f.dst_port = tcp.dst_port;
  f.seq = tcp.seq;
  f.ack = tcp.ack;
  f.flags = tcp.flags;
  f.window = tcp.window;
  f.options.assign(tcp.options.begin(), tcp.options.end());
  reassembly::parse_tcp_options(f.options.data(), f.options.size(), &f.syn_options);
  f.payload.assign(tcp.payload);
  f.checksums_ok = ip_ok && checksum_fold(checksum_add(pseudo, l4, layout.l4_len)) == 0xffff;
  return f;
}

// ---- EmulatedPeer ----

EmulatedPeer::EmulatedPeer(RingAppliance& appliance, Side side, const Host& self, const MacAddress& appliance_mac,
                           const IpAddr& remote, uint16_t local_port, uint16_t remote_port,
                           const reassembly::TcpEndpointConfig& config)
    : appliance_(appliance),
      side_(side),
      self_(self),
      appliance_mac_(appliance_mac),
      remote_(remote),
      local_port_(local_port),
      remote_port_(remote_port),
      tcp_(config) {
  tcp_.set_sink(this);
}

bool EmulatedPeer::owns(const Frame& f) const {
  return f.kind == Frame::Kind::Tcp && f.dst == self_.ip && f.dst_port == local_port_ && f.src == remote_ &&
         f.src_port == remote_port_;
}

bool EmulatedPeer::owns(const uint8_t* data, size_t length) const {
  FrameLayout layout;
  const FrameKind kind = locate_layers(data, length, layout);
  if (kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) return false;
  TcpHeaderView tcp;
  if (!read_tcp_header(data, layout, &tcp)) return false;
  const bool v4 = kind == FrameKind::Ipv4;
  const uint8_t* l3 = data + layout.l3_offset;
  const IpAddr dst = v4 ? IpAddr::v4(l3 + 16) : IpAddr::v6(l3 + 24);
  return dst == self_.ip && tcp.dst_port == local_port_ && tcp.src_port == remote_port_;
}

void EmulatedPeer::deliver(const uint8_t* data, size_t length, uint64_t now_ns) {
  FrameLayout layout;
  const FrameKind kind = locate_layers(data, length, layout);
  if (kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) return;
  TcpHeaderView tcp;
  if (!read_tcp_header(data, layout, &tcp)) return;
  const reassembly::TcpSegment segment = to_segment(tcp);
  reassembly::TcpSynOptions options;
  const bool syn = (tcp.flags & reassembly::tcp_flag::SYN) != 0;
  if (syn) reassembly::parse_tcp_options(tcp.options.data(), tcp.options.size(), &options);
  tcp_.on_segment(segment, syn ? &options : nullptr, now_ns);
}

bool EmulatedPeer::accept_dial(const uint8_t* data, size_t length, uint32_t iss, uint64_t now_ns) {
  FrameLayout layout;
  const FrameKind kind = locate_layers(data, length, layout);
  TcpHeaderView tcp;
  if ((kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) || !read_tcp_header(data, layout, &tcp) ||
      tcp.flags != reassembly::tcp_flag::SYN) {
    return false;
  }
  reassembly::TcpSegment syn;
  syn.seq = tcp.seq;
  syn.flags = tcp.flags;
  syn.window = tcp.window;
  reassembly::TcpSynOptions options;
  reassembly::parse_tcp_options(tcp.options.data(), tcp.options.size(), &options);
  tcp_.receive_syn(syn, options, iss, now_ns);
  tcp_.accept(now_ns);
  return true;
}

void EmulatedPeer::rebind(const IpAddr& remote, uint16_t local_port, uint16_t remote_port) {
  tcp_.reset();
  remote_ = remote;
  local_port_ = local_port;
  remote_port_ = remote_port;
}

void EmulatedPeer::send_segment(const reassembly::SegmentOut& segment) {
  uint8_t options[kMaxTcpOptionsLen];
  TcpFrameSpec spec;
  spec.src_mac = self_.mac;
  spec.dst_mac = appliance_mac_;
  spec.src_ip = self_.ip;
  spec.dst_ip = remote_;
  spec.src_port = local_port_;
  spec.dst_port = remote_port_;
  fill_tcp_fields(segment, options, spec);
  spec.ip_id = ip_id_++;
  // From the pool of the worker whose queue it feeds: each worker's frames stay in its own pool.
  rte_mbuf* m = rte_pktmbuf_alloc(appliance_.pool(queue_));
  if (m == nullptr) {
    ++inject_failures_;
    return;
  }
  uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
  const BuiltFrame built = build_tcp_frame(spec, data, rte_pktmbuf_tailroom(m));
  if (!built) {
    rte_pktmbuf_free(m);
    ++inject_failures_;
    return;
  }
  rte_pktmbuf_append(m, static_cast<uint16_t>(built.length));
  if (appliance_.inject_mbuf(side_, queue_, m)) {
    ++injected_;
  } else {
    ++inject_failures_;
  }
}

}  // namespace sluice::testing
