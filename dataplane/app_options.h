// dataplane/app_options.h — sluice's own command line (what follows the EAL arguments and `--`).
#pragma once

#include <string>

namespace sluice::dataplane {

struct AppOptions {
  std::string mode = "offline";   // offline: inspect capture files (net_pcap ports); live: the inline appliance
  std::string config_path;        // "" = built-in defaults
  std::string log_path;           // overrides `config log settings` / file; "-" = stdout
  bool log_path_set = false;
  bool summary = false;           // readable line per message on stdout
  uint32_t idle_sleep_us = 0;     // live: sleep this long between polls once idle (0 = pure poll mode)
  uint32_t workers = 0;           // live: dataplane workers (0 = config system session workers)
};

// Returns false with a message in *error on bad usage; *help is set for --help.
bool parse_app_options(int argc, char** argv, AppOptions* out, bool* help, std::string* error);
const char* app_usage();

}  // namespace sluice::dataplane
