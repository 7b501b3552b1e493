// dataplane/port_steering.cc — see port_steering.h.
#include "dataplane/port_steering.h"

#include <rte_byteorder.h>
#include <rte_flow.h>

namespace sluice::dataplane {
namespace {

// One rule: eth / ipv4|ipv6 / tcp port under the bucket mask -> queue.
int make_rule(uint16_t port_id, Side side, bool v6, uint32_t bucket, uint16_t queue, bool validate_only,
              rte_flow_error* error) {
  rte_flow_attr attr{};
  attr.ingress = 1;
  rte_flow_item_tcp spec{}, mask{};
  const rte_be16_t port_bits = rte_cpu_to_be_16(static_cast<uint16_t>(bucket << 1));
  const rte_be16_t port_mask = rte_cpu_to_be_16(FlowSteering::kPortMask);
  if (side == Side::Outside) {
    spec.hdr.src_port = port_bits;
    mask.hdr.src_port = port_mask;
  } else {
    spec.hdr.dst_port = port_bits;
    mask.hdr.dst_port = port_mask;
  }
  rte_flow_item pattern[4]{};
  pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
  pattern[1].type = v6 ? RTE_FLOW_ITEM_TYPE_IPV6 : RTE_FLOW_ITEM_TYPE_IPV4;
  pattern[2].type = RTE_FLOW_ITEM_TYPE_TCP;
  pattern[2].spec = &spec;
  pattern[2].mask = &mask;
  pattern[3].type = RTE_FLOW_ITEM_TYPE_END;
  rte_flow_action_queue to_queue{};
  to_queue.index = queue;
  rte_flow_action actions[2]{};
  actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
  actions[0].conf = &to_queue;
  actions[1].type = RTE_FLOW_ACTION_TYPE_END;
  if (validate_only) return rte_flow_validate(port_id, &attr, pattern, actions, error);
  return rte_flow_create(port_id, &attr, pattern, actions, error) == nullptr ? -1 : 0;
}

std::string why(const rte_flow_error& e) {
  return e.message != nullptr ? std::string(e.message) : "no reason given (type " + std::to_string(e.type) + ")";
}

}  // namespace

const char* steering_mode_name(SteeringMode m) {
  switch (m) {
    case SteeringMode::Single: return "single queue + software redirect";
    case SteeringMode::Spread: return "PMD spread + software redirect";
    case SteeringMode::RteFlow: return "rte_flow owner queues";
  }
  return "?";
}

SteeringMode install_port_steering(uint16_t port_id, Side side, const FlowSteering& steering, uint16_t rx_queues,
                                   const SteeringRequest& request, std::string* detail) {
  const SteeringMode fallback = rx_queues > 1 ? SteeringMode::Spread : SteeringMode::Single;
  if (steering.workers() == 1) {
    *detail = "one worker";
    return fallback;
  }
  if (rx_queues < steering.workers()) {
    *detail = "the port has " + std::to_string(rx_queues) + " rx queue(s) for " + std::to_string(steering.workers()) +
              " workers";
    return fallback;
  }
  if (!request.use_rte_flow) {
    *detail = "rte_flow not asked for (steering software)";
    return fallback;
  }
  rte_flow_error error{};
  if (make_rule(port_id, side, false, 0, static_cast<uint16_t>(steering.owner_of_bucket(0)), true, &error) != 0) {
    *detail = "rte_flow refused: " + why(error);
    return fallback;
  }
  for (bool v6 : {false, true}) {
    for (uint32_t b = 0; b < FlowSteering::kBuckets; ++b) {
      if (make_rule(port_id, side, v6, b, static_cast<uint16_t>(steering.owner_of_bucket(b)), false, &error) != 0) {
        *detail = "rte_flow rule " + std::to_string(b) + (v6 ? " (IPv6)" : " (IPv4)") + " refused: " + why(error);
        rte_flow_flush(port_id, &error);
        return fallback;
      }
    }
  }
  *detail = std::to_string(2 * FlowSteering::kBuckets) + " rules";
  return SteeringMode::RteFlow;
}

void remove_port_steering(uint16_t port_id) {
  rte_flow_error error{};
  rte_flow_flush(port_id, &error);
}

}  // namespace sluice::dataplane
