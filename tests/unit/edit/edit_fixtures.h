// tests/unit/edit/edit_fixtures.h — a running configuration to edit and a scratch directory.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "control/config/writer.h"
#include "control/edit/candidate_config.h"
#include "control/policy.h"

namespace sluice::control::edit::testing {

// A directory made by mkdtemp and removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-edit-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& contents) const { std::ofstream(file(name)) << contents; }

 private:
  std::string path_;
};

// What the daemon runs in these tests: one VIP, one splicing profile, a spam rule, defaults elsewhere.
inline Policy running_policy() {
  Policy policy;
  policy.vips.push_back(Vip{.name = "mail-in", .extip = "192.0.2.10", .mappedip = "10.0.0.25", .ports = {25}});
  policy.ssl_profiles.push_back(SslProfile{.name = "splice", .mode = TlsMode::CertificateInspection});
  policy.spam.rules.push_back(SpamRule{.name = "lottery", .pattern = "you won", .score = 4});
  return policy;
}

inline std::string running_text() { return config::write_config(running_policy()); }

// Applies statements that must all succeed; returns the first error otherwise.
inline std::string apply_all(CandidateConfig& candidate, const std::vector<std::string>& statements) {
  for (const std::string& statement : statements) {
    std::string error;
    if (!candidate.apply(statement, &error)) return statement + ": " + error;
  }
  return "";
}

}  // namespace sluice::control::edit::testing
