// sluice-scan — inspects .eml files with a policy, exactly as the pipeline inspects a message's DATA,
// and prints one JSON line per file: {"file": PATH, "message": <the message record>}.
// Used by the ClamAV agreement test and by people checking a signature; `diagnose scan file` later.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "control/policy.h"
#include "scan/inspector/json_writer.h"
#include "scan/inspector/message_inspector.h"

using namespace sluice;

namespace {

constexpr size_t kChunk = 1460;   // what one TCP segment carries: the pipeline sees content in such pieces

int usage() {
  std::fputs("usage: sluice-scan [--config FILE] FILE.eml...\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  control::Policy policy;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      control::LoadResult r = control::load_config_file(argv[++i]);
      for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      if (!r.ok()) return 1;
      policy = std::move(r.policy);
    } else if (arg.starts_with("-")) {
      return usage();
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return usage();
  std::string error;
  auto snapshot = scan::build_policy_snapshot(policy, &error);
  if (!snapshot) {
    std::fprintf(stderr, "sluice-scan: %s\n", error.c_str());
    return 1;
  }
  engine::Scratch scratch(*snapshot->database);
  scan::MessageInspector inspector(*snapshot, scratch);
  int status = 0;
  std::string line;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "sluice-scan: cannot read %s\n", path.c_str());
      status = 1;
      continue;
    }
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    scan::MessageRecord record;
    inspector.begin(&record);
    for (size_t off = 0; off < content.size(); off += kChunk) inspector.feed(std::string_view(content).substr(off, kChunk));
    smtp::MessageEnd end;
    end.complete = true;
    end.size = content.size();
    inspector.finish(end);
    line = "{\"file\":\"";
    scan::append_json_escaped(line, path);
    line += "\",\"message\":";
    scan::write_message_json(record, line);
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return status;
}
