// dataplane/flow_steering.cc — see flow_steering.h.
#include "dataplane/flow_steering.h"

namespace sluice::dataplane {

FlowSteering::FlowSteering(uint32_t workers) : workers_(workers == 0 ? 1 : workers) {
  for (uint32_t b = 0; b < kBuckets; ++b) owner_[b] = static_cast<uint8_t>(b % workers_);
}

}  // namespace sluice::dataplane
