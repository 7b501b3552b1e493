// control/plane/file_watcher.h — notices when a signature, URL or reputation list file the running policy
// names has changed (inotify), so the control plane can compile and publish it like a commit.
//
// Owns: one inotify descriptor watching the *directories* of those files (tools and editors replace a file by
// renaming a new one over it, which a watch on the old inode would miss), the set of file names that matter,
// and a settle delay so a file written in several steps is read once, complete.
// May call: Linux inotify, the standard library.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "control/policy.h"

namespace sluice::control::plane {

class FileWatcher {
 public:
  FileWatcher();
  ~FileWatcher();
  // Watches the files `policy` names (replacing what was watched before). False with *error when inotify fails.
  bool watch(const Policy& policy, std::string* error);
  void stop();
  int fd() const { return fd_; }
  // After poll() said fd() is readable: notes which watched files changed.
  void read_events(int64_t now_ms);
  // The changed files once nothing more has happened to them for the settle delay; clears them.
  std::vector<std::string> settled(int64_t now_ms);
  int timeout_ms(int64_t now_ms) const;   // -1 = nothing pending

  static constexpr int64_t kSettleMs = 300;

 private:
  int fd_ = -1;
  std::map<int, std::string> dirs_;            // watch descriptor -> directory
  std::set<std::string> files_;                // full paths that matter
  std::set<std::string> changed_;
  int64_t last_event_ms_ = 0;
};

// Every file a policy reads when it is compiled.
std::vector<std::string> files_read_by(const Policy& policy);

}  // namespace sluice::control::plane
