// dataplane/eal_memory.cc — see eal_memory.h.
#include "dataplane/eal_memory.h"

#include <filesystem>
#include <fstream>

namespace sluice::dataplane {

uint64_t free_hugepage_bytes(const std::string& sysfs_root) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sysfs_root, ec)) {
    // hugepages-2048kB/free_hugepages
    const std::string name = entry.path().filename().string();
    const size_t dash = name.find('-');
    if (dash == std::string::npos) continue;
    const uint64_t page_kb = std::strtoull(name.c_str() + dash + 1, nullptr, 10);
    std::ifstream in(entry.path() / "free_hugepages");
    uint64_t pages = 0;
    if (in >> pages) total += pages * page_kb * 1024;
  }
  return total;
}

EalMemoryChoice choose_eal_memory(const std::vector<std::string>& args, uint64_t free_hugepages, uint32_t fallback_mb) {
  EalMemoryChoice out;
  out.args = args;
  bool memory_mode = false, memory_size = false;
  size_t end_of_eal = args.size();   // index of "--", or the end
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      end_of_eal = i;
      break;
    }
    if (a == "--no-huge" || a == "--in-memory" || a == "--legacy-mem" || a.rfind("--huge-dir", 0) == 0) {
      memory_mode = true;
    }
    if (a == "-m" || a.rfind("--socket-mem", 0) == 0) memory_size = true;
  }
  if (free_hugepages > 0 || memory_mode || args.empty()) return out;
  std::vector<std::string> added = {"--no-huge"};
  if (!memory_size) {
    added.push_back("-m");
    added.push_back(std::to_string(fallback_mb));
  }
  out.args.insert(out.args.begin() + static_cast<std::ptrdiff_t>(end_of_eal), added.begin(), added.end());
  out.fell_back = true;
  return out;
}

}  // namespace sluice::dataplane
