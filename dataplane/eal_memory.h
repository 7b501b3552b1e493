// dataplane/eal_memory.h — hugepages when the machine has them, 4 KB pages (--no-huge) when it has none.
//
// Owns: the decision, before rte_eal_init, whether the EAL arguments get `--no-huge` (and a memory size, since
// without hugepages the EAL's default is 64 MB, too little for the mbuf pools and connection tables). The user's
// own memory options always win. No DPDK: pure functions over the argument list, unit-tested.
// May call: the standard library (reads /sys/kernel/mm/hugepages).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::dataplane {

// Free hugepages of every size, in bytes (0 when none are reserved or the kernel has no hugetlbfs).
uint64_t free_hugepage_bytes(const std::string& sysfs_root = "/sys/kernel/mm/hugepages");

struct EalMemoryChoice {
  std::vector<std::string> args;   // the EAL arguments to use (argv[0] first)
  bool fell_back = false;          // --no-huge was added
};

// `args`: argv as given (EAL part, then `--` and sluice's own). When no hugepages are free and the user chose no
// memory mode (--no-huge, --in-memory, --legacy-mem, --huge-dir), adds `--no-huge` and, unless -m or
// --socket-mem is given, `-m fallback_mb`.
EalMemoryChoice choose_eal_memory(const std::vector<std::string>& args, uint64_t free_hugepages,
                                  uint32_t fallback_mb = 1024);

}  // namespace sluice::dataplane
