// tests/unit/dataplane/eal_memory_test.cc — hugepages when there are some, --no-huge (with a memory size) when not,
// and the user's own memory options always win.
#include "dataplane/eal_memory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace sluice::dataplane {
namespace {

using Args = std::vector<std::string>;

TEST(EalMemory, FreeHugepagesLeaveTheArgumentsAlone) {
  const Args in = {"sluice", "--vdev", "net_tap0", "--", "--mode", "live"};
  const EalMemoryChoice c = choose_eal_memory(in, 512ull << 20);
  EXPECT_FALSE(c.fell_back);
  EXPECT_EQ(c.args, in);
}

TEST(EalMemory, NoHugepagesAddsNoHugeAndAMemorySizeBeforeTheSeparator) {
  const EalMemoryChoice c = choose_eal_memory({"sluice", "--vdev", "net_tap0", "--", "--mode", "live"}, 0, 1024);
  EXPECT_TRUE(c.fell_back);
  EXPECT_EQ(c.args, (Args{"sluice", "--vdev", "net_tap0", "--no-huge", "-m", "1024", "--", "--mode", "live"}));
}

TEST(EalMemory, NoSeparatorAppendsAtTheEnd) {
  const EalMemoryChoice c = choose_eal_memory({"sluice", "--no-pci"}, 0, 256);
  EXPECT_EQ(c.args, (Args{"sluice", "--no-pci", "--no-huge", "-m", "256"}));
}

TEST(EalMemory, TheUsersMemoryOptionsWin) {
  for (const char* mode : {"--no-huge", "--in-memory", "--legacy-mem", "--huge-dir=/mnt/huge"}) {
    const Args in = {"sluice", mode, "--", "--mode", "live"};
    EXPECT_EQ(choose_eal_memory(in, 0).args, in) << mode;
  }
  const EalMemoryChoice sized = choose_eal_memory({"sluice", "-m", "300", "--"}, 0);
  EXPECT_EQ(sized.args, (Args{"sluice", "-m", "300", "--no-huge", "--"})) << "-m given: only --no-huge is added";
  // Options after `--` are sluice's, not the EAL's.
  EXPECT_TRUE(choose_eal_memory({"sluice", "--", "--no-huge"}, 0).fell_back);
}

TEST(EalMemory, CountsFreePagesOfEverySize) {
  const auto root = std::filesystem::temp_directory_path() / ("eal-memory-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "hugepages-2048kB");
  std::filesystem::create_directories(root / "hugepages-1048576kB");
  std::ofstream(root / "hugepages-2048kB" / "free_hugepages") << "10\n";
  std::ofstream(root / "hugepages-1048576kB" / "free_hugepages") << "1\n";
  EXPECT_EQ(free_hugepage_bytes(root.string()), 10 * 2048 * 1024ull + 1024ull * 1024 * 1024);
  std::filesystem::remove_all(root);
  EXPECT_EQ(free_hugepage_bytes(root.string()), 0u) << "no such directory: none";
}

}  // namespace
}  // namespace sluice::dataplane
