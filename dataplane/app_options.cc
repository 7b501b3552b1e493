#include "dataplane/app_options.h"

#include <cstdlib>
#include <string_view>

namespace sluice::dataplane {

const char* app_usage() {
  return "usage: sluice [EAL options] -- [options]\n"
         "  --mode offline        inspect capture files given as net_pcap ports (default)\n"
         "  --mode live           inline appliance: proxy and DNAT between the 'outside' and 'inside' ports\n"
         "                        of 'config system interface' (any PMD: tap, ring, real NICs)\n"
         "  --config FILE         configuration (FortiOS-style blocks); default: built-in policy\n"
         "  --log FILE            JSON-lines message log ('-' = stdout); overrides 'config log settings'\n"
         "  --summary             print a readable line per message on stdout\n"
         "  --workers N           live: N dataplane worker lcores, 1..16 (default: config system session workers);\n"
         "                        the EAL needs N lcores (-l 0-N-1) plus config system tls workers\n"
         "  --mbufs N             mbufs in each worker's pool, 511..1048575 (default 8191); when they run out,\n"
         "                        frames are dropped and counted (drops_no_mbuf) and TCP retransmits them\n"
         "  --idle-sleep US       live: once idle, sleep US microseconds between polls (default 0: pure poll\n"
         "                        mode, a whole core); for test rigs and machines that share the core\n"
         "example: sluice --no-huge -m 256 --no-pci --vdev=net_pcap0,rx_pcap=smtp.pcap -- --summary\n"
         "example: sluice --no-huge -m 512 --no-pci --vdev net_tap0,iface=slo0 --vdev net_tap1,iface=sli0 \\\n"
         "           -- --mode live --config sluice.conf\n";
}

bool parse_app_options(int argc, char** argv, AppOptions* out, bool* help, std::string* error) {
  *help = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string_view* v) {
      if (i + 1 >= argc) {
        *error = std::string(arg) + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    std::string_view v;
    if (arg == "--help" || arg == "-h") {
      *help = true;
    } else if (arg == "--summary") {
      out->summary = true;
    } else if (arg == "--mode") {
      if (!value(&v)) return false;
      if (v != "offline" && v != "live") {
        *error = "--mode: 'offline' or 'live', got '" + std::string(v) + "'";
        return false;
      }
      out->mode = v;
    } else if (arg == "--workers") {
      if (!value(&v)) return false;
      char* end = nullptr;
      const std::string text(v);
      const unsigned long n = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n < 1 || n > 16) {
        *error = "--workers wants 1..16, got '" + text + "'";
        return false;
      }
      out->workers = static_cast<uint32_t>(n);
    } else if (arg == "--mbufs") {
      if (!value(&v)) return false;
      char* end = nullptr;
      const std::string text(v);
      const unsigned long n = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n < kMinMbufs || n > kMaxMbufs) {
        *error = "--mbufs wants " + std::to_string(kMinMbufs) + ".." + std::to_string(kMaxMbufs) + ", got '" + text + "'";
        return false;
      }
      out->mbufs = static_cast<uint32_t>(n);
    } else if (arg == "--idle-sleep") {
      if (!value(&v)) return false;
      char* end = nullptr;
      const std::string text(v);
      const unsigned long us = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || us > 100000) {
        *error = "--idle-sleep wants microseconds 0..100000, got '" + text + "'";
        return false;
      }
      out->idle_sleep_us = static_cast<uint32_t>(us);
    } else if (arg == "--config") {
      if (!value(&v)) return false;
      out->config_path = v;
    } else if (arg == "--log") {
      if (!value(&v)) return false;
      out->log_path = v;
      out->log_path_set = true;
    } else {
      *error = "unknown option '" + std::string(arg) + "'";
      return false;
    }
  }
  return true;
}

}  // namespace sluice::dataplane
