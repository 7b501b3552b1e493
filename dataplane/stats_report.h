// dataplane/stats_report.h — start-up banner and end-of-run counters, for people reading stderr.
#pragma once

#include <cstdio>

#include "control/log/record_writer.h"
#include "dataplane/packet_processor.h"
#include "dataplane/ports.h"
#include "scan/inspector/policy_snapshot.h"

namespace sluice::dataplane {

void print_startup(std::FILE* out, const PortSet&, const scan::PolicySnapshot&);
void print_stats(std::FILE* out, const PacketCounters&, const FlowTableCounters&, const log::RecordWriter&);

}  // namespace sluice::dataplane
