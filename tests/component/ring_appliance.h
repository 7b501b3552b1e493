// tests/component/ring_appliance.h — the live dataplane in-process on two DPDK net_ring ports, for component
// tests and the forward benchmark: frames go in through each port's rx ring, the worker's transmissions are
// read back from each port's tx ring and parsed.
//
// Owns: the EAL (initialised once per process, no hugepages, no PCI), one mbuf pool per process, the two ring
// ports of one appliance (created, started, stopped and closed with it), the Policy built from config text,
// the PolicySnapshot, Scratch, an in-memory RecordSink, the LiveTopology and the LiveWorker itself.
// Also EmulatedPeer: a real reassembly::TcpEndpoint whose segments are framed and injected into a ring, used
// as the client or backend when a test or the benchmark needs a whole TCP conversation, not crafted segments.
// May call: DPDK EAL/ethdev/ring/mbuf, control/policy, scan/inspector, dataplane/*, reassembly/tcp_endpoint.
// The worker reads the TSC for its clock: tests that need a timer to fire really wait (keep them short).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/frame_builder.h"
#include "dataplane/ip_address.h"
#include "dataplane/live_topology.h"
#include "dataplane/live_worker.h"
#include "reassembly/tcp_endpoint.h"
#include "reassembly/tcp_options.h"
#include "scan/inspector/message_record.h"

struct rte_mempool;
struct rte_ring;

namespace sluice::engine {
class Scratch;
}
namespace sluice::scan {
struct PolicySnapshot;
}

namespace sluice::testing {

using dataplane::IpAddr;
using dataplane::MacAddress;
using dataplane::Side;

// One frame the worker transmitted, parsed. `kind` says which fields mean something.
struct Frame {
  enum class Kind : uint8_t { Tcp, Arp, Icmp, Icmpv6, Other };
  Kind kind = Kind::Other;
  std::vector<uint8_t> bytes;  // the whole frame as sent
  MacAddress src_mac{}, dst_mac{};
  IpAddr src, dst;
  uint16_t src_port = 0, dst_port = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  std::vector<uint8_t> options;            // raw TCP option bytes
  reassembly::TcpSynOptions syn_options;   // parsed from `options`
  std::string payload;
  bool checksums_ok = false;               // IPv4 header and TCP/ICMP checksums verify
  uint16_t arp_op = 0;                     // ARP: request 1 / reply 2
  uint8_t icmp_type = 0;
};

// Limits of the harness itself (the worker's come from the config text).
struct RingApplianceLimits {
  uint32_t ring_size = 8192;       // each rx/tx rte_ring (a power of two)
  uint32_t pool_mbufs = 65535;     // the process-wide pool, created by the first appliance
  uint32_t mbuf_data_room = 2048;  // plus headroom
  bool keep_records = true;        // false: message records are only counted (long benchmark runs)
  uint32_t workers = 1;            // LiveWorkers, each with its own rx/tx ring per port, pool, clock and scratch
};

// Process-wide EAL start; safe to call many times. False (and *error) when the EAL refused to start.
bool init_eal_once(std::string* error);

class RingAppliance {
 public:
  // `config_text` is a Sluice configuration; its interfaces' `port` values are replaced by the ring ports.
  explicit RingAppliance(std::string_view config_text, const RingApplianceLimits& limits = {});
  ~RingAppliance();
  RingAppliance(const RingAppliance&) = delete;
  RingAppliance& operator=(const RingAppliance&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Copies the frame into an mbuf and enqueues it on the side's rx ring. False when the pool or ring is full.
  bool inject(Side side, std::span<const uint8_t> frame);
  // Enqueues an mbuf the caller filled (the benchmark builds its frames before the timed window).
  bool inject_mbuf(Side side, struct rte_mbuf* mbuf);
  // The same on one rx queue (= worker) of a multi-worker appliance: what a NIC's steering would choose.
  bool inject_mbuf(Side side, uint32_t queue, struct rte_mbuf* mbuf);
  uint32_t inject_burst(Side side, uint32_t queue, struct rte_mbuf** mbufs, uint32_t count);
  // One iteration of every worker, in turn (single-threaded tests).
  void poll(int iterations = 1);
  // Every frame transmitted on the side since the last drain, parsed, in order; their mbufs are freed.
  std::vector<Frame> drain(Side side);
  // Frees what the worker transmitted without parsing it; returns how many frames there were.
  uint32_t discard(Side side);
  // Dequeues up to `max` transmitted mbufs (the caller frees them).
  uint32_t take(Side side, struct rte_mbuf** out, uint32_t max);

  dataplane::LiveWorker& worker() { return *workers_[0].worker; }
  dataplane::LiveWorker& worker(uint32_t i) { return *workers_[i].worker; }
  uint32_t workers() const { return static_cast<uint32_t>(workers_.size()); }
  const dataplane::FlowSteering& steering() const { return steering_; }
  // Worker i's mbuf pool (worker 0's is the process-wide one).
  rte_mempool* pool(uint32_t i) const;
  // Frames waiting in a worker's rx ring (the benchmark's "queue drained" check).
  uint32_t rx_pending(Side side, uint32_t queue) const;
  // Dequeues up to `max` mbufs worker `queue` transmitted on `side`.
  uint32_t take(Side side, uint32_t queue, struct rte_mbuf** out, uint32_t max);
  const dataplane::LiveTopology& topology() const { return topology_; }
  const control::Policy& policy() const { return policy_; }
  MacAddress mac(Side side) const;
  rte_mempool* pool() const;
  const std::vector<scan::MessageRecord>& records() const;   // worker 0's
  const std::vector<scan::MessageRecord>& records(uint32_t worker) const;

 private:
  struct Port {
    uint16_t id = 0;
    std::vector<rte_ring*> rx;  // per queue: the test enqueues, the PMD's rx_burst dequeues
    std::vector<rte_ring*> tx;  // per queue: the PMD's tx_burst enqueues, the test dequeues
    bool started = false;
  };
  class MemorySink;
  struct Worker {   // everything one LiveWorker has to itself
    std::unique_ptr<engine::Scratch> scratch;
    std::unique_ptr<MemorySink> sink;
    std::unique_ptr<uint64_t> clock_ns;
    std::unique_ptr<dataplane::LiveWorker> worker;
  };

  bool make_port(const std::string& name, Port* port);
  Port& port(Side side) { return side == Side::Outside ? outside_ : inside_; }

  RingApplianceLimits limits_;
  // Ring-PMD queues per worker; a worker uses the first of its group. net_ring keeps each queue's packet
  // counters in a 24-byte entry of one array and writes them on every rx and tx burst, so neighbouring queues
  // share a cache line that two workers' cores would both write on every poll: false sharing a NIC's PMD (one
  // cache-aligned structure per queue) does not have. Four entries apart (96 bytes) each worker's are on its own
  // line; the queues between stay empty. net_ring has at most 16 queues, so beyond 4 workers the gap narrows.
  uint32_t queue_stride_ = 1;
  std::string error_;
  Port outside_, inside_;
  control::Policy policy_;
  std::unique_ptr<const scan::PolicySnapshot> snapshot_;
  dataplane::LiveTopology topology_;
  dataplane::FlowSteering steering_;
  dataplane::RedirectMesh mesh_;
  std::vector<Worker> workers_;
};

// Frame helpers for crafted segments.
struct Host {
  MacAddress mac{};
  IpAddr ip;
};
// A TCP frame from `from` to `to` (both of one family).
std::vector<uint8_t> tcp_frame(const Host& from, const MacAddress& to_mac, const IpAddr& to, uint16_t src_port,
                               uint16_t dst_port, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                               std::string_view payload = {}, const reassembly::TcpSynOptions* syn = nullptr);
// Who-has `target` from `from`: teaches the worker `from`'s MAC (it asks for one of the worker's addresses).
std::vector<uint8_t> arp_request(const Host& from, const IpAddr& target);
// IPv6 Neighbor Solicitation from `from` for `target` (one of the worker's addresses).
std::vector<uint8_t> neighbor_solicitation(const Host& from, const IpAddr& target);
// ICMP echo request (IPv4) with identifier/sequence and a few payload bytes.
std::vector<uint8_t> icmp_echo_request(const Host& from, const MacAddress& to_mac, const IpAddr& to, uint16_t id,
                                       uint16_t sequence);
Frame parse_frame(const uint8_t* data, size_t length);

// A TCP endpoint on one side of the appliance, speaking through the rings. Its segments are framed and
// injected when sent; deliver() hands it a frame the worker transmitted to it.
class EmulatedPeer final : public reassembly::SegmentSink {
 public:
  EmulatedPeer(RingAppliance& appliance, Side side, const Host& self, const MacAddress& appliance_mac,
               const IpAddr& remote, uint16_t local_port, uint16_t remote_port,
               const reassembly::TcpEndpointConfig& config);
  reassembly::TcpEndpoint& tcp() { return tcp_; }
  // Does this worker-transmitted frame belong to this peer's connection?
  bool owns(const Frame& f) const;
  bool owns(const uint8_t* data, size_t length) const;
  void deliver(const uint8_t* data, size_t length, uint64_t now_ns);
  // A listening socket's passive open: when the frame is a bare SYN to this peer, answers it (SYN-ACK with `iss`)
  // and returns true; anything else is left alone (false).
  bool accept_dial(const uint8_t* data, size_t length, uint32_t iss, uint64_t now_ns);
  // Reuses the peer (and its endpoint's buffers) for another connection: endpoint reset to Closed.
  void rebind(const IpAddr& remote, uint16_t local_port, uint16_t remote_port);
  void send_segment(const reassembly::SegmentOut& segment) override;
  // The rx queue (worker) its frames go to: what the NIC's steering would pick (default 0).
  void set_queue(uint32_t queue) { queue_ = queue; }
  uint64_t injected() const { return injected_; }
  uint64_t inject_failures() const { return inject_failures_; }
  uint16_t local_port() const { return local_port_; }
  const Host& self() const { return self_; }

 private:
  RingAppliance& appliance_;
  Side side_;
  Host self_;
  MacAddress appliance_mac_;
  IpAddr remote_;
  uint16_t local_port_, remote_port_;
  reassembly::TcpEndpoint tcp_;
  uint64_t injected_ = 0, inject_failures_ = 0;
  uint16_t ip_id_ = 1;
  uint32_t queue_ = 0;
};

}  // namespace sluice::testing
