// sluice-bench-scan — MIME decode + scan throughput per core, beside its limit, in one run.
//
//   pipeline : MessageInspector over each .eml (MIME parse, decoding, archives, URLs, Hyperscan streaming,
//              hashes), content fed in 1460-byte pieces as TCP delivers it;
//   raw      : hs_scan (block mode, same patterns) over the bytes the pipeline decoded — the limit;
// both in bytes of mail per second, so pipeline/raw says how much of the limit the pipeline keeps.
// ClamAV on the same files is timed by the tools/bench/scan script around this binary.
#include <hs/hs.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "control/policy.h"
#include "scan/inspector/message_inspector.h"

using namespace sluice;

namespace {

constexpr size_t kChunk = 1460;

// Collects every decoded view of a message: what a scanner with perfect MIME decoding would scan.
class DecodedCollector final : public mime::MimeSink {
 public:
  std::vector<std::string> views;
  void on_view_begin(uint32_t, const mime::PartInfo&, mime::ViewKind) override { views.emplace_back(); }
  void on_view_data(uint32_t, std::string_view bytes) override { views.back().append(bytes); }
  void on_view_end(uint32_t) override {}
};

int count_match(unsigned int, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ++*static_cast<uint64_t*>(ctx);
  return 0;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fputs("usage: sluice-bench-scan CONFIG ITERATIONS FILE.eml...\n", stderr);
    return 2;
  }
  control::LoadResult loaded = control::load_config_file(argv[1]);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const int iterations = std::max(1, std::atoi(argv[2]));
  std::string error;
  auto snapshot = scan::build_policy_snapshot(loaded.policy, &error);
  if (!snapshot) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::vector<std::string> mails;
  uint64_t mail_bytes = 0;
  for (int i = 3; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    mails.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    mail_bytes += mails.back().size();
  }

  // The limit's input: every decoded view, gathered once (not timed).
  DecodedCollector decoded;
  mime::MimeParser parser(mime::MimeLimits{}, decoded);
  uint64_t decoded_bytes = 0;
  for (const std::string& m : mails) {
    parser.reset();
    parser.feed(m);
    parser.finish();
  }
  for (const std::string& v : decoded.views) decoded_bytes += v.size();

  engine::Scratch scratch(*snapshot->database);
  scan::MessageInspector inspector(*snapshot, scratch);
  uint64_t verdict_hits = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int it = 0; it < iterations; ++it) {
    for (const std::string& m : mails) {
      scan::MessageRecord record;
      inspector.begin(&record);
      for (size_t off = 0; off < m.size(); off += kChunk) inspector.feed(std::string_view(m).substr(off, kChunk));
      smtp::MessageEnd end;
      end.complete = true;
      end.size = m.size();
      inspector.finish(end);
      verdict_hits += record.hits.size();
    }
  }
  const double pipeline_s = seconds_since(t0);

  uint64_t raw_hits = 0;
  t0 = std::chrono::steady_clock::now();
  for (int it = 0; it < iterations; ++it) {
    for (const std::string& v : decoded.views) {
      hs_scan(snapshot->database->block_db(), v.data(), static_cast<unsigned>(v.size()), 0, scratch.get(),
              count_match, &raw_hits);
    }
  }
  const double raw_s = seconds_since(t0);

  const double total = static_cast<double>(mail_bytes) * iterations;
  const double pipeline_rate = total / pipeline_s, raw_rate = total / raw_s;
  std::printf("files %zu, mail bytes %llu, decoded bytes %llu, iterations %d\n", mails.size(),
              static_cast<unsigned long long>(mail_bytes), static_cast<unsigned long long>(decoded_bytes), iterations);
  std::printf("pipeline  (MIME decode + scan): %8.3f s  %8.1f MB/s of mail  %8.0f messages/s  (hits %llu)\n",
              pipeline_s, pipeline_rate / 1e6, mails.size() * iterations / pipeline_s,
              static_cast<unsigned long long>(verdict_hits));
  std::printf("raw hs_scan of decoded bytes  : %8.3f s  %8.1f MB/s of mail  (matches %llu)\n", raw_s,
              raw_rate / 1e6, static_cast<unsigned long long>(raw_hits));
  std::printf("pipeline / raw-limit ratio    : %.2f\n", pipeline_rate / raw_rate);
  std::printf("PIPELINE_BYTES_PER_S %.0f\n", pipeline_rate);
  return 0;
}
