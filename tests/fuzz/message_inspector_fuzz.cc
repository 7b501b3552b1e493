// libFuzzer target: one message through the whole inspector — MIME views, Hyperscan streams, archive
// expansion (zip/gzip/bzip2 inside limits), URL extraction and lists, hashes, verdict and the JSON record.
// The policy is built once (real signatures, a spam rule, a listed domain); limits are small so the fuzzer
// reaches them. The first byte picks the chunk size.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "scan/inspector/message_inspector.h"

namespace {

struct Fixture {
  std::unique_ptr<const sluice::scan::PolicySnapshot> snapshot;
  std::unique_ptr<sluice::engine::Scratch> scratch;
  std::unique_ptr<sluice::scan::MessageInspector> inspector;
};

Fixture& fixture() {
  static Fixture f = [] {
    sluice::control::Policy policy;
    policy.antivirus.builtin_eicar = true;
    policy.spam.rules.push_back({.name = "lottery", .pattern = "lottery|jackpot", .header = "Subject", .score = 6});
    policy.mime.max_depth = 6;
    policy.mime.max_parts = 64;
    policy.archive.max_depth = 3;
    policy.archive.uncompressed_oversize_limit_mb = 1;
    policy.archive.max_entries = 32;
    policy.url_filter.max_urls_per_part = 16;
    std::string error;
    Fixture made;
    made.snapshot = sluice::scan::build_policy_snapshot(policy, &error);
    if (!made.snapshot) __builtin_trap();
    const_cast<sluice::url::UrlLists&>(made.snapshot->url_lists).add_domain("evil.example");
    made.scratch = std::make_unique<sluice::engine::Scratch>(*made.snapshot->database);
    made.inspector = std::make_unique<sluice::scan::MessageInspector>(*made.snapshot, *made.scratch);
    return made;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  const size_t chunk = 1 + data[0] % 251;
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  sluice::scan::MessageRecord record;
  f.inspector->begin(&record);
  for (size_t off = 0; off < message.size(); off += chunk) f.inspector->feed(message.substr(off, chunk));
  sluice::smtp::MessageEnd end;
  end.complete = true;
  end.size = message.size();
  f.inspector->finish(end);
  std::string json;
  sluice::scan::write_message_json(record, json);
  if (json.empty() || json.front() != '{' || json.back() != '}') __builtin_trap();
  return 0;
}
