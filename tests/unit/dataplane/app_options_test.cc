// sluice's own command line: each numeric option takes its value within its named bounds or the whole command
// line is refused with a message naming the option, the bounds and what was given.
#include "dataplane/app_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::dataplane {
namespace {

struct Parsed {
  bool ok = false;
  AppOptions options;
  std::string error;
};

Parsed parse(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  Parsed p;
  bool help = false;
  p.ok = parse_app_options(static_cast<int>(argv.size()), argv.data(), &p.options, &help, &p.error);
  return p;
}

TEST(AppOptions, DefaultsAreTheDocumentedOnes) {
  const Parsed p = parse({});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.options.mode, "offline");
  EXPECT_EQ(p.options.workers, 0u);   // config system session workers
  EXPECT_EQ(p.options.mbufs, 8191u);
  EXPECT_EQ(p.options.idle_sleep_us, 0u);
}

TEST(AppOptions, MbufsTakesItsBoundsAndRefusesOutsideThem) {
  EXPECT_EQ(parse({"--mbufs", "511"}).options.mbufs, 511u);
  EXPECT_EQ(parse({"--mbufs", "1048575"}).options.mbufs, 1048575u);
  for (const char* bad : {"510", "1048576", "", "12x", "-5"}) {
    const Parsed p = parse({"--mbufs", bad});
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_EQ(p.error, std::string("--mbufs wants 511..1048575, got '") + bad + "'");
  }
  EXPECT_EQ(parse({"--mbufs"}).error, "--mbufs needs a value");
}

TEST(AppOptions, WorkersAndIdleSleepKeepTheirBounds) {
  EXPECT_EQ(parse({"--workers", "16"}).options.workers, 16u);
  EXPECT_EQ(parse({"--workers", "17"}).error, "--workers wants 1..16, got '17'");
  EXPECT_EQ(parse({"--workers", "0"}).error, "--workers wants 1..16, got '0'");
  EXPECT_EQ(parse({"--idle-sleep", "100000"}).options.idle_sleep_us, 100000u);
  EXPECT_FALSE(parse({"--idle-sleep", "100001"}).ok);
}

}  // namespace
}  // namespace sluice::dataplane
