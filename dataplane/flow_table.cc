#include "dataplane/flow_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

namespace sluice::dataplane {

FlowTable::FlowTable(const FlowTableLimits& limits, const reassembly::ReassemblyLimits& reassembly_limits,
                     const scan::InspectorContext& inspector)
    : limits_(limits), reassembly_limits_(reassembly_limits), inspector_(inspector) {}

FlowTable::~FlowTable() {
  if (hash_) rte_hash_free(hash_);
}

bool FlowTable::init(const std::string& name, int socket_id, std::string* error) {
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = limits_.max_flows;
  params.key_len = sizeof(FlowKey);
  params.hash_func = rte_hash_crc;
  params.hash_func_init_val = 0;
  params.socket_id = socket_id;
  hash_ = rte_hash_create(&params);
  if (!hash_) {
    *error = "rte_hash_create(" + name + "): " + rte_strerror(rte_errno);
    return false;
  }
  pool_.reserve(limits_.max_flows);
  free_.reserve(limits_.max_flows);
  return true;
}

FlowContext* FlowTable::find(const FlowKey& key) {
  void* data = nullptr;
  if (rte_hash_lookup_data(hash_, &key, &data) < 0) return nullptr;
  return static_cast<FlowContext*>(data);
}

FlowContext* FlowTable::create(const FlowKey& key, bool client_is_a, const scan::FlowTuple& tuple,
                               uint64_t now_ns) {
  if (active_ >= limits_.max_flows) {
    ++counters_.table_full;
    return nullptr;
  }
  FlowContext* flow;
  if (!free_.empty()) {
    flow = free_.back();
    free_.pop_back();
  } else {
    // First use of this pool slot: the one allocation a flow slot ever makes.
    pool_.push_back(std::make_unique<FlowContext>(reassembly_limits_, inspector_));
    flow = pool_.back().get();
  }
  if (rte_hash_add_key_data(hash_, &key, flow) < 0) {
    free_.push_back(flow);
    ++counters_.table_full;
    return nullptr;
  }
  flow->start(key, client_is_a, tuple, now_ns);
  link_newest(flow);
  ++active_;
  ++counters_.created;
  return flow;
}

void FlowTable::touch(FlowContext* flow) {
  if (newest_ == flow) return;
  unlink(flow);
  link_newest(flow);
}

void FlowTable::release(FlowContext* flow) {
  if (flow->tcp().midstream()) ++counters_.midstream;
  rte_hash_del_key(hash_, &flow->key());
  unlink(flow);
  free_.push_back(flow);
  --active_;
  ++counters_.closed;
}

void FlowTable::expire_idle(uint64_t now_ns) {
  while (oldest_ && now_ns - oldest_->last_seen_ns() > limits_.idle_timeout_ns) {
    FlowContext* flow = oldest_;
    flow->close(reassembly::CloseReason::Idle);
    ++counters_.expired_idle;
    release(flow);
  }
}

void FlowTable::close_all(reassembly::CloseReason reason) {
  while (oldest_) {
    FlowContext* flow = oldest_;
    flow->close(reason);
    ++counters_.ended_at_input_end;
    release(flow);
  }
}

void FlowTable::unlink(FlowContext* flow) {
  if (flow->newer) flow->newer->older = flow->older; else newest_ = flow->older;
  if (flow->older) flow->older->newer = flow->newer; else oldest_ = flow->newer;
  flow->newer = flow->older = nullptr;
}

void FlowTable::link_newest(FlowContext* flow) {
  flow->older = newest_;
  flow->newer = nullptr;
  if (newest_) newest_->newer = flow;
  newest_ = flow;
  if (!oldest_) oldest_ = flow;
}

}  // namespace sluice::dataplane
