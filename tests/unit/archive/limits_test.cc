// Limits: bombs (gzip, bzip2, 42.zip-like fan-out), entry count, exact oversize cut-off and
// reuse of one expander after a limit tripped.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <numeric>

#include "tests/unit/archive/archive_test_support.h"

namespace sluice::archive::test {
namespace {

using E = ArchiveEvent;

// 200 MB of zeros gzipped in 1 MiB steps, so the test never holds the expanded bytes.
const std::string& gzip_bomb() {
  static const std::string bomb = [] {
    constexpr size_t kStep = 1u << 20;
    constexpr size_t kSteps = 200;
    const std::string zeros(kStep, '\0');
    std::string out;
    z_stream s{};
    deflateInit2(&s, Z_BEST_SPEED, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    std::string buffer(1u << 16, '\0');
    for (size_t step = 0; step < kSteps; ++step) {
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
      s.avail_in = kStep;
      const int flush = step + 1 == kSteps ? Z_FINISH : Z_NO_FLUSH;
      do {
        s.next_out = reinterpret_cast<Bytef*>(buffer.data());
        s.avail_out = static_cast<uInt>(buffer.size());
        deflate(&s, flush);
        out.append(buffer.data(), buffer.size() - s.avail_out);
      } while (s.avail_out == 0);
    }
    deflateEnd(&s);
    return out;
  }();
  return bomb;
}

uint64_t total_data(const Expansion& x) {
  return std::accumulate(x.entries.begin(), x.entries.end(), uint64_t{0},
                         [](uint64_t sum, const Entry& e) { return sum + e.data.size(); });
}

TEST(Limits, GzipBombStopsAtOversizeLimitExactly) {
  const auto started = std::chrono::steady_clock::now();
  const Expansion x = expand(ArchiveFormat::Gzip, gzip_bomb());
  const auto spent = std::chrono::steady_clock::now() - started;
  // Fed whole, the ratio against ~200 KB stays under 100 until 20 MB: oversize trips first.
  EXPECT_EQ(x.events, bits({E::OversizeLimit}));
  EXPECT_EQ(x.expanded_bytes, 10u << 20);
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].data, std::string(10u << 20, '\0'));
  EXPECT_TRUE(x.all_closed);
  EXPECT_LT(spent, std::chrono::seconds(5));
}

TEST(Limits, GzipBombFedInChunksStopsAtRatioLimit) {
  const Expansion x = expand(ArchiveFormat::Gzip, gzip_bomb(), 4096);
  EXPECT_EQ(x.events, bits({E::RatioLimit}));
  EXPECT_TRUE(is_bomb(x.events));
  // Stopped on the first window that passed the floor with too little input behind it.
  EXPECT_GT(x.expanded_bytes, 0u);
  EXPECT_LE(x.expanded_bytes, (1u << 20) + (64u << 10));
  EXPECT_EQ(total_data(x), x.expanded_bytes);
}

TEST(Limits, Bzip2BombStopsAtRatioLimit) {
  const Expansion x = expand(ArchiveFormat::Bzip2, bzip2_stream(std::string(20u << 20, '\0')));
  EXPECT_EQ(x.events, bits({E::RatioLimit}));
  EXPECT_LE(x.expanded_bytes, 1u << 20);
  EXPECT_TRUE(x.all_closed);
}

TEST(Limits, FanOutLike42ZipIsStopped) {
  // 16 zips of 16 entries of 1 MiB zeros: 256 MiB from a few hundred KiB.
  ZipWriter inner;
  const std::string mib(1u << 20, '\0');
  for (int i = 0; i < 16; ++i) inner.add("z" + std::to_string(i), mib, Method::Deflate);
  const std::string inner_zip = inner.finish();
  ZipWriter outer;
  for (int i = 0; i < 16; ++i) outer.add("i" + std::to_string(i) + ".zip", inner_zip, Method::Deflate);
  const Expansion x = expand(ArchiveFormat::Zip, outer.finish());
  EXPECT_TRUE(is_bomb(x.events));
  EXPECT_EQ(x.events & ~bits({E::OversizeLimit, E::RatioLimit}), 0u);
  EXPECT_LE(x.expanded_bytes, 10u << 20);
  EXPECT_TRUE(x.order_errors.empty());
  EXPECT_TRUE(x.all_closed);
}

TEST(Limits, EntryLimitCountsAllDepths) {
  ZipWriter inner;
  for (int i = 0; i < 4; ++i) inner.add("in" + std::to_string(i), "x", Method::Stored);
  ZipWriter outer;
  outer.add("a.zip", inner.finish(), Method::Stored);
  for (int i = 0; i < 10; ++i) outer.add("out" + std::to_string(i), "y", Method::Stored);
  ArchiveLimits limits;
  limits.max_entries = 7;
  const Expansion x = expand(ArchiveFormat::Zip, outer.finish(), 0, limits);
  EXPECT_EQ(x.events, bits({E::EntryLimit}));
  EXPECT_EQ(x.entry_count, 7u);
  ASSERT_EQ(x.entries.size(), 7u);
  EXPECT_EQ(x.entries[4], (Entry{2, "in3", "x"}));
  EXPECT_EQ(x.entries[6], (Entry{1, "out1", "y"}));
}

TEST(Limits, OversizeCutIsExactAcrossEntriesAndChunks) {
  ZipWriter zip;
  zip.add("a", std::string(60, 'a'), Method::Stored);
  zip.add("b", std::string(60, 'b'), Method::Deflate);
  ArchiveLimits limits;
  limits.uncompressed_oversize_limit = 100;
  for (size_t chunk : {0, 1}) {
    const Expansion x = expand(ArchiveFormat::Zip, zip.finish(), chunk, limits);
    const std::vector<Entry> want = {{1, "a", std::string(60, 'a')}, {1, "b", std::string(40, 'b')}};
    EXPECT_EQ(x.entries, want);
    EXPECT_EQ(x.events, bits({E::OversizeLimit}));
    EXPECT_EQ(x.expanded_bytes, 100u);
  }
}

TEST(Limits, ZeroDepthExpandsNothing) {
  ArchiveLimits limits;
  limits.max_depth = 0;
  const Expansion x = expand(ArchiveFormat::Zip, zip_of("a", "b"), 0, limits);
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, bits({E::DepthLimit}));
}

TEST(Limits, ExpanderIsReusableAfterABomb) {
  RecordingSink sink;
  ArchiveExpander expander(ArchiveLimits{}, sink);
  expander.begin(ArchiveFormat::Gzip);
  expander.feed(gzip_bomb());
  expander.feed(gzip_bomb());  // ignored: already stopped
  expander.finish();
  EXPECT_EQ(expander.events(), bits({E::OversizeLimit}));

  sink.entries.clear();
  expander.begin(ArchiveFormat::Zip);
  expander.feed(zip_of("after.txt", "clean"));
  expander.finish();
  EXPECT_EQ(expander.events(), 0u);
  EXPECT_EQ(expander.entries(), 1u);
  EXPECT_EQ(expander.expanded_bytes(), 5u);
  EXPECT_EQ(sink.entries, (std::vector<Entry>{{1, "after.txt", "clean"}}));
  EXPECT_TRUE(sink.order_errors.empty());
}

}  // namespace
}  // namespace sluice::archive::test
