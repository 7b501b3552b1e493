// dataplane/port_steering.h — asks a port to deliver each connection to its owner's rx queue.
//
// Owns: the rte_flow rules of one port (created here, flushed on failure). For each FlowSteering bucket and
// each of IPv4/IPv6, one rule: TCP source port (outside) or destination port (inside) under the bucket mask →
// QUEUE owner. The first rule is validated before any is created; if the PMD refuses any rule, every rule is
// flushed and the port falls back to what it does without them (RSS spread or a single queue), the software
// redirect keeping sessions whole. Set-up only: nothing here runs per packet.
// May call: DPDK rte_flow/ethdev, dataplane/flow_steering.
#pragma once

#include <cstdint>
#include <string>

#include "dataplane/flow_steering.h"

namespace sluice::dataplane {

enum class SteeringMode : uint8_t {
  Single,    // one rx queue: worker 0 receives everything and redirects what it does not own
  Spread,    // several rx queues, spread by the PMD (RSS or its own hash): a redirect per foreign frame
  RteFlow,   // rte_flow rules put every connection on its owner's queue: no redirect expected
};
const char* steering_mode_name(SteeringMode);

struct SteeringRequest {
  bool use_rte_flow = true;   // config system dataplane steering auto|rte-flow (false: software only)
};

// `rx_queues` as the port was started with. Returns the mode in force; *detail says why (the PMD's message
// when rte_flow was refused).
SteeringMode install_port_steering(uint16_t port_id, Side side, const FlowSteering& steering, uint16_t rx_queues,
                                   const SteeringRequest& request, std::string* detail);
// Removes the rules install_port_steering created (before the port stops or the workers restart).
void remove_port_steering(uint16_t port_id);

}  // namespace sluice::dataplane
