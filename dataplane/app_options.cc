#include "dataplane/app_options.h"

#include <charconv>
#include <string_view>

namespace sluice::dataplane {
namespace {

bool parse_u32(std::string_view text, uint32_t min, uint32_t max, uint32_t* out) {
  uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

const char* app_usage() {
  return "usage: sluice [EAL options] -- [options]\n"
         "  --mode offline        inspect capture files given as net_pcap ports (default)\n"
         "  --config FILE         configuration (FortiOS-style blocks); default: built-in policy\n"
         "  --log FILE            JSON-lines message log ('-' = stdout); overrides 'config log settings'\n"
         "  --summary             print a readable line per message on stdout\n"
         "  --max-flows N         concurrent flows per worker (default 65536)\n"
         "  --idle-timeout SEC    flow idle time-out (default 300)\n"
         "example: sluice --no-huge -m 256 --no-pci --vdev=net_pcap0,rx_pcap=smtp.pcap -- --summary\n";
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
      if (v != "offline") {
        *error = "--mode: only 'offline' exists in this version";
        return false;
      }
      out->mode = v;
    } else if (arg == "--config") {
      if (!value(&v)) return false;
      out->config_path = v;
    } else if (arg == "--log") {
      if (!value(&v)) return false;
      out->log_path = v;
      out->log_path_set = true;
    } else if (arg == "--max-flows") {
      if (!value(&v)) return false;
      if (!parse_u32(v, 16, 1u << 24, &out->max_flows)) {
        *error = "--max-flows wants an integer 16..16777216";
        return false;
      }
    } else if (arg == "--idle-timeout") {
      if (!value(&v)) return false;
      if (!parse_u32(v, 1, 86400, &out->idle_timeout_s)) {
        *error = "--idle-timeout wants seconds 1..86400";
        return false;
      }
    } else {
      *error = "unknown option '" + std::string(arg) + "'";
      return false;
    }
  }
  return true;
}

}  // namespace sluice::dataplane
