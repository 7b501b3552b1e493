// dataplane/app_options.h — sluice's own command line (what follows the EAL arguments and `--`).
#pragma once

#include <string>

namespace sluice::dataplane {

// --mbufs bounds: below 511 a port's receive ring could not be kept filled; above 2^20 - 1 one pool alone
// would take 2 GB of DPDK memory.
constexpr uint32_t kMinMbufs = 511, kMaxMbufs = 1048575;

struct AppOptions {
  std::string mode = "offline";   // offline: inspect capture files (net_pcap ports); live: the inline appliance
  std::string config_path;        // "" = built-in defaults
  std::string log_path;           // overrides `config log settings` / file; "-" = stdout
  bool log_path_set = false;
  bool summary = false;           // readable line per message on stdout
  uint32_t idle_sleep_us = 0;     // live: sleep this long between polls once idle (0 = pure poll mode)
  uint32_t workers = 0;           // live: dataplane workers (0 = config system session workers)
  uint32_t mbufs = 8191;          // mbufs in each worker's pool (PortSettings::mbufs); --mbufs
};

// Returns false with a message in *error on bad usage; *help is set for --help.
bool parse_app_options(int argc, char** argv, AppOptions* out, bool* help, std::string* error);
const char* app_usage();

}  // namespace sluice::dataplane
