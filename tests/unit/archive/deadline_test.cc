// The caller's deadline (set_deadline_tsc): archive expansion stops inside one feed() once the
// deadline passes (RES-16: a 401-byte gzip-in-gzip kept the worker in one call for 0.7 s),
// for zip, gzip and bzip2 alike, with the TimeLimit event, entries ended, and at most one
// check interval of output past the deadline.
#include <gtest/gtest.h>
#include <x86intrin.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/unit/archive/archive_test_support.h"

namespace sluice::archive::test {
namespace {

using E = ArchiveEvent;

// Far more output than one check interval, small enough to build quickly in-test.
constexpr size_t kBombZeros = 16u << 20;
// Limits raised so that only the deadline can stop these bombs (as in the RES-16 live test).
ArchiveLimits permissive_limits() {
  ArchiveLimits limits;
  limits.uncompressed_oversize_limit = 1ull << 40;
  limits.max_ratio = 0;
  limits.max_depth = 4;
  return limits;
}

// Counts instead of keeping (the bombs expand to megabytes), checks begin/end balance, and can
// stand in for a slow scanner: on its first data it waits until the deadline has passed.
class CountingSink final : public ArchiveSink {
 public:
  void on_entry_begin(uint32_t, std::string_view) override { ++open; }
  void on_entry_data(uint32_t, std::string_view bytes) override {
    data_bytes += bytes.size();
    if (stall_until_tsc != 0) {
      while (__rdtsc() < stall_until_tsc) {}
      stall_until_tsc = 0;
    }
  }
  void on_entry_end(uint32_t) override { --open; }

  int open = 0;
  uint64_t data_bytes = 0;
  uint64_t stall_until_tsc = 0;
};

struct Bomb {
  const char* name;
  ArchiveFormat format;
  std::string bytes;
  uint64_t expands_to;  // all depths: what the sink receives when nothing stops it
};

const std::vector<Bomb>& bombs() {
  static const std::vector<Bomb> all = [] {
    const std::string zeros(kBombZeros, '\0');
    const std::string inner_gzip = gzip_member(zeros, "zeros.bin");
    const std::string inner_zip = zip_of("zeros.bin", zeros);
    std::vector<Bomb> out;
    out.push_back({"gzip_in_gzip", ArchiveFormat::Gzip, gzip_member(inner_gzip, "zeros.bin.gz"),
                   inner_gzip.size() + kBombZeros});
    out.push_back({"zip_in_zip", ArchiveFormat::Zip, zip_of("zeros.zip", inner_zip),
                   inner_zip.size() + kBombZeros});
    out.push_back({"bzip2", ArchiveFormat::Bzip2, bzip2_stream(zeros), kBombZeros});
    return out;
  }();
  return all;
}

struct Outcome {
  uint32_t events = 0;
  uint64_t expanded = 0;
  uint64_t sink_bytes = 0;
  int left_open = 0;
};

// deadline_from_now: cycles after the feed starts (0 = no deadline); stall: the sink waits out
// the deadline on its first data, as a scanner slower than the budget would.
Outcome expand_with_deadline(const Bomb& bomb, uint64_t deadline_from_now, bool stall) {
  CountingSink sink;
  ArchiveExpander expander(permissive_limits(), sink);
  expander.begin(bomb.format);
  const uint64_t deadline = deadline_from_now == 0 ? 0 : __rdtsc() + deadline_from_now;
  expander.set_deadline_tsc(deadline);
  if (stall) sink.stall_until_tsc = deadline;
  expander.feed(bomb.bytes);
  expander.finish();
  return {expander.events(), expander.expanded_bytes(), sink.data_bytes, sink.open};
}

class Deadline : public ::testing::TestWithParam<size_t> {
 protected:
  const Bomb& bomb() const { return bombs()[GetParam()]; }
};

TEST_P(Deadline, WithoutOneTheBombExpandsFully) {
  const Outcome run = expand_with_deadline(bomb(), 0, false);
  EXPECT_EQ(run.events, 0u);
  EXPECT_EQ(run.expanded, bomb().expands_to);
  EXPECT_EQ(run.left_open, 0);
}

TEST_P(Deadline, AFarDeadlineChangesNothing) {
  const Outcome run = expand_with_deadline(bomb(), 1ull << 50, false);
  EXPECT_EQ(run.events, 0u);
  EXPECT_EQ(run.expanded, bomb().expands_to);
}

// The slow "scanner" spends the whole budget on the first window; expansion must stop at the
// next check, not after the rest of the bomb.
TEST_P(Deadline, PassingMidExpansionStopsWithinOneCheckInterval) {
  const Outcome run = expand_with_deadline(bomb(), 1'000'000, true);
  EXPECT_EQ(run.events, bits({E::TimeLimit}));
  EXPECT_GT(run.expanded, 0u);
  EXPECT_LE(run.expanded, kDeadlineCheckBytes + (64u << 10)) << "one 64 KiB window past the check";
  EXPECT_EQ(run.sink_bytes, run.expanded);
  EXPECT_EQ(run.left_open, 0) << "entries open at the stop are ended";
  EXPECT_FALSE(is_bomb(run.events)) << "the archive is not judged, it was not finished";
}

// A tiny budget with a fast sink: stopped long before the end, whatever the CPU's speed.
TEST_P(Deadline, TinyBudgetStopsEarly) {
  const Outcome run = expand_with_deadline(bomb(), 1000, false);
  EXPECT_EQ(run.events, bits({E::TimeLimit}));
  EXPECT_LT(run.expanded, bomb().expands_to / 4);
  EXPECT_EQ(run.left_open, 0);
}

INSTANTIATE_TEST_SUITE_P(Formats, Deadline, ::testing::Range<size_t>(0, 3),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::string(bombs()[info.param].name);
                         });

TEST(DeadlineBasics, AlreadyPassedExpandsNothingAndLaterFeedsAreIgnored) {
  const Bomb& bomb = bombs()[0];
  CountingSink sink;
  ArchiveExpander expander(permissive_limits(), sink);
  expander.begin(bomb.format);
  expander.set_deadline_tsc(1);  // long past
  expander.feed(std::string_view(bomb.bytes).substr(0, 10));
  expander.set_deadline_tsc(0);  // a stop is final for this attachment, like any limit
  expander.feed(std::string_view(bomb.bytes).substr(10));
  expander.finish();
  EXPECT_EQ(expander.events(), bits({E::TimeLimit}));
  EXPECT_EQ(expander.expanded_bytes(), 0u);
  EXPECT_EQ(sink.data_bytes, 0u);
}

TEST(DeadlineBasics, ExpanderIsReusableAfterATimeStop) {
  const Bomb& bomb = bombs()[0];
  CountingSink sink;
  ArchiveExpander expander(permissive_limits(), sink);
  expander.begin(bomb.format);
  expander.set_deadline_tsc(1);
  expander.feed(bomb.bytes);
  expander.finish();
  ASSERT_EQ(expander.events(), bits({E::TimeLimit}));
  expander.set_deadline_tsc(0);
  expander.begin(ArchiveFormat::Gzip);
  expander.feed(gzip_member("clean text", "a.txt"));
  expander.finish();
  EXPECT_EQ(expander.events(), 0u);
  EXPECT_EQ(expander.expanded_bytes(), 10u);
}

TEST(DeadlineBasics, EventNameAndNotABomb) {
  EXPECT_STREQ(archive_event_name(E::TimeLimit), "time_limit");
  EXPECT_FALSE(is_bomb(bits({E::TimeLimit})));
}

}  // namespace
}  // namespace sluice::archive::test
