// sluice-bench-hs-compile — how long Hyperscan itself takes to compile a policy's patterns: the limit beside
// which tools/bench/reload puts the daemon's commit and inotify-reload latencies.
//
// Owns: timing, for one configuration file, (1) loading its signature set (parsing, .ndb → regex translation,
// the per-pattern hs_expression_ext_info check), (2) the raw hs_compile_ext_multi calls the daemon makes
// (stream, block and vectored databases of exactly those patterns, flags and extensions), (3)
// engine::Database::compile and (4) scan::build_policy_snapshot, the whole scanning part of a commit.
// Calls: control (load_config_file), scan/engine (SignatureSet, Database, expression_ext), scan/inspector
// (build_policy_snapshot), Hyperscan. Prints text, or one JSON object with --json.
#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "control/policy.h"
#include "scan/engine/database.h"
#include "scan/engine/hs_pattern.h"
#include "scan/engine/signature_set.h"
#include "scan/inspector/policy_snapshot.h"

using namespace sluice;

namespace {

constexpr int kDefaultRepeat = 3;
// Database::compile and build_policy_snapshot each compile everything again: by default timed once (a 50k set
// costs about a minute per compile on a small machine), --extra-repeat N for more, 0 to leave them out.
constexpr int kDefaultExtraRepeat = 1;

int usage() {
  std::fputs("usage: sluice-bench-hs-compile [--repeat N] [--extra-repeat N] [--json] CONFIG\n", stderr);
  return 2;
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One hs_compile_ext_multi call over `patterns` in `mode`, as engine/database.cc makes it; wall seconds, or -1.
// Its CPU seconds go to *cpu: on a shared machine the wall time also counts waiting for a core, the CPU time is
// what the compile itself costs.
double time_hs_compile(const std::vector<engine::PatternEntry>& patterns, unsigned mode, std::vector<double>* cpu) {
  if (patterns.empty()) {
    cpu->push_back(0);
    return 0;
  }
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, ids;
  std::vector<hs_expr_ext_t> exts;
  std::vector<const hs_expr_ext_t*> ext_pointers;
  for (const engine::PatternEntry& p : patterns) {
    expressions.push_back(p.regex.c_str());
    flags.push_back(p.hs_flags);
    ids.push_back(p.rule);
    exts.push_back(engine::expression_ext(p));
  }
  for (const hs_expr_ext_t& ext : exts) ext_pointers.push_back(&ext);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  const double cpu0 = thread_cpu_s();
  const auto t0 = std::chrono::steady_clock::now();
  const hs_error_t rc = hs_compile_ext_multi(expressions.data(), flags.data(), ids.data(), ext_pointers.data(),
                                             static_cast<unsigned>(patterns.size()), mode, nullptr, &db, &error);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cpu->push_back(thread_cpu_s() - cpu0);
  if (rc != HS_SUCCESS) {
    std::fprintf(stderr, "hs_compile_ext_multi: %s\n", error != nullptr ? error->message : "failed");
    hs_free_compile_error(error);
    return -1;
  }
  hs_free_database(db);
  return s;
}

// Runs `step` `repeat` times; returns every sample's seconds (negative: the step failed).
std::vector<double> samples_of(int repeat, const std::function<double()>& step) {
  std::vector<double> out;
  for (int i = 0; i < repeat; ++i) out.push_back(step());
  return out;
}

double seconds_of(const std::function<bool()>& step) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = step();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ok ? s : -1;
}

double median(std::vector<double> v) {   // of an even count, the mean of the middle two (as Python's statistics)
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// The median as JSON: null when the step was not timed (--extra-repeat 0).
std::string json_median(const std::vector<double>& v) {
  if (v.empty()) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", median(v));
  return buf;
}

bool any_failed(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double s) { return s < 0; });
}

std::string json_list(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6f", i ? ", " : "", v[i]);
    out += buf;
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = kDefaultRepeat, extra_repeat = kDefaultExtraRepeat;
  bool json = false;
  const char* config = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--extra-repeat" && i + 1 < argc) {
      extra_repeat = std::max(0, std::atoi(argv[++i]));
    } else if (arg == "--json") {
      json = true;
    } else if (arg.starts_with("-") || config != nullptr) {
      return usage();
    } else {
      config = argv[i];
    }
  }
  if (config == nullptr) return usage();
  control::LoadResult loaded = control::load_config_file(config);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const control::Policy& policy = loaded.policy;

  std::string error;
  engine::SignatureSet set;
  if (!scan::load_policy_signatures(policy, set, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  const auto load = samples_of(repeat, [&] {
    return seconds_of([&] {
      engine::SignatureSet again;
      return scan::load_policy_signatures(policy, again, &error);
    });
  });
  std::vector<double> stream_cpu, block_cpu, header_cpu;
  const auto stream = samples_of(repeat, [&] {
    return time_hs_compile(set.stream_patterns(), HS_MODE_STREAM, &stream_cpu);
  });
  const auto block = samples_of(repeat, [&] {
    return time_hs_compile(set.stream_patterns(), HS_MODE_BLOCK, &block_cpu);
  });
  const auto header = samples_of(repeat, [&] {
    return time_hs_compile(set.header_patterns(), HS_MODE_VECTORED, &header_cpu);
  });
  const auto database = samples_of(extra_repeat, [&] {
    return seconds_of([&] { return engine::Database::compile(set, &error) != nullptr; });
  });
  const auto snapshot = samples_of(extra_repeat, [&] {
    return seconds_of([&] { return scan::build_policy_snapshot(policy, &error) != nullptr; });
  });
  for (const auto* v : {&load, &stream, &block, &header, &database, &snapshot}) {
    if (any_failed(*v)) {
      std::fprintf(stderr, "a step failed: %s\n", error.c_str());
      return 1;
    }
  }
  std::vector<double> hs_total, hs_total_cpu;
  for (int i = 0; i < repeat; ++i) {
    hs_total.push_back(stream[i] + block[i] + header[i]);
    hs_total_cpu.push_back(stream_cpu[i] + block_cpu[i] + header_cpu[i]);
  }

  const size_t body = set.stream_patterns().size(), headers = set.header_patterns().size();
  if (json) {
    std::printf("{\"config\": \"%s\", \"hyperscan\": \"%s\", \"repeat\": %d, \"body_patterns\": %zu, "
                "\"header_patterns\": %zu, \"rules\": %u, \"hash_signatures\": %zu, "
                "\"load_s\": %.6f, \"hs_compile_s\": %.6f, \"hs_compile_cpu_s\": %.6f, \"hs_compile_stream_s\": %.6f, "
                "\"hs_compile_block_s\": %.6f, \"hs_compile_header_s\": %.6f, \"database_compile_s\": %s, "
                "\"policy_snapshot_s\": %s, \"samples\": {\"load_s\": %s, \"hs_compile_s\": %s, \"hs_compile_cpu_s\": %s, "
                "\"database_compile_s\": %s, \"policy_snapshot_s\": %s}}\n",
                config, hs_version(), repeat, body, headers, static_cast<unsigned>(set.rules().size()),
                set.hash_signatures().size(), median(load), median(hs_total), median(hs_total_cpu), median(stream), median(block),
                median(header), json_median(database).c_str(), json_median(snapshot).c_str(), json_list(load).c_str(),
                json_list(hs_total).c_str(), json_list(hs_total_cpu).c_str(), json_list(database).c_str(), json_list(snapshot).c_str());
    return 0;
  }
  std::printf("%s: %zu body patterns, %zu header patterns, %zu hash signatures (Hyperscan %s), median of %d\n",
              config, body, headers, set.hash_signatures().size(), hs_version(), repeat);
  std::printf("load signature set (parse, translate, check)  : %9.3f s\n", median(load));
  std::printf("hs_compile_ext_multi stream + block + vectored: %9.3f s  (%.3f + %.3f + %.3f), CPU %.3f s\n",
              median(hs_total), median(stream), median(block), median(header), median(hs_total_cpu));
  if (!database.empty()) std::printf("engine::Database::compile                      : %9.3f s\n", median(database));
  if (!snapshot.empty()) std::printf("scan::build_policy_snapshot (load + compile)   : %9.3f s\n", median(snapshot));
  return 0;
}
