// dataplane/live_mode.h — `sluice --mode live`: set up the two-port appliance and run its worker.
//
// Owns: the start-up of live mode (topology from the configuration, port MACs, worker, telemetry, signal
// handling) and its shutdown report. The per-packet work is LiveWorker's.
// May call: dataplane/{live_topology,live_worker,live_telemetry,ports}, scan/inspector, control/log.
#pragma once

#include <memory>

#include "control/log/record_writer.h"
#include "dataplane/ports.h"
#include "scan/inspector/policy_snapshot.h"

namespace sluice::dataplane {

// Runs until SIGINT/SIGTERM. Returns the process exit code; prints problems to stderr.
int run_live(const scan::PolicySnapshot& snapshot, log::RecordWriter& records, PortSet& ports, uint32_t idle_sleep_us);

}  // namespace sluice::dataplane
