// dataplane/flow_table.h — one worker's table of TCP connections.
//
// Owns: an rte_hash from FlowKey to FlowContext, the pool of FlowContexts (constructed on first use up to
// max_flows, then recycled), and the idle list used for time-outs. Single writer (its worker): no locks.
// Calls: DPDK rte_hash.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/flow_context.h"

struct rte_hash;

namespace sluice::dataplane {

struct FlowTableLimits {
  uint32_t max_flows = 65536;                       // concurrent flows per worker; beyond: counted, dropped
  uint64_t idle_timeout_ns = 300ull * 1000000000;   // RFC 5321 §4.5.3.2: servers wait >= 5 min for a command
};

struct FlowTableCounters {
  uint64_t created = 0, closed = 0, expired_idle = 0, ended_at_input_end = 0, table_full = 0, midstream = 0;
};

class FlowTable {
 public:
  FlowTable(const FlowTableLimits&, const reassembly::ReassemblyLimits&, const scan::InspectorContext&);
  ~FlowTable();
  bool init(const std::string& name, int socket_id, std::string* error);

  FlowContext* find(const FlowKey&);
  // nullptr when the table is full (counted).
  FlowContext* create(const FlowKey&, bool client_is_a, const scan::FlowTuple&, uint64_t now_ns);
  void touch(FlowContext*);      // after a packet: most recently seen
  void release(FlowContext*);    // the flow closed: forget it, recycle the context
  void expire_idle(uint64_t now_ns);
  void close_all(reassembly::CloseReason);

  const FlowTableCounters& counters() const { return counters_; }
  uint32_t active() const { return active_; }

 private:
  void unlink(FlowContext*);
  void link_newest(FlowContext*);

  FlowTableLimits limits_;
  reassembly::ReassemblyLimits reassembly_limits_;
  scan::InspectorContext inspector_;
  rte_hash* hash_ = nullptr;
  std::vector<std::unique_ptr<FlowContext>> pool_;
  std::vector<FlowContext*> free_;
  FlowContext* newest_ = nullptr;
  FlowContext* oldest_ = nullptr;
  uint32_t active_ = 0;
  FlowTableCounters counters_;
};

}  // namespace sluice::dataplane
