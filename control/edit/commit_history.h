// control/edit/commit_history.h — committed configurations on disk, for `rollback N`.
//
// Owns: the history directory (config system control history-dir): one file per committed version,
// `<version, zero-padded to 6>.conf`, each a loadable configuration whose first lines are a comment
// header (version, time, user, comment, size); writing them atomically (temporary file, fsync, rename,
// fsync of the directory) so a crash leaves the old version set or the new one, never half a file;
// pruning the oldest beyond history-depth.
// May call: the standard library and POSIX file calls only.
//
// Files hold the configuration as committed, secrets included: they are created 0600 and the directory
// 0700. Not thread-safe: the control thread owns the history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::control::edit {

struct CommitInfo {
  uint64_t version = 0;  // 0 in record(): the next after latest()
  int64_t unix_time = 0;
  std::string user;     // one line: line breaks and other control characters are stored as spaces
  std::string comment;  // one line, likewise
  size_t bytes = 0;     // size of the configuration text (set by record())
};

class CommitHistory {
 public:
  CommitHistory(std::string dir, uint32_t depth);

  // mkdir -p (0700); reads the headers of the versions already there. Temporary files a crash left
  // behind are removed; files whose header does not read are left alone and named in skipped().
  bool open(std::string* error);

  // Writes text as `dir/<version>.conf` atomically, then prunes the oldest versions beyond depth.
  // Fails (and writes nothing) when the version is not newer than latest() or the file cannot be written.
  // One odd case: the file is written and renamed but the directory cannot be fsynced; the version is
  // listed, and false with "recorded version N but could not sync ..." says its durability is in doubt.
  // A pruning failure does not fail the record: the old file stays listed and the next record() retries.
  bool record(const CommitInfo& info, const std::string& text, std::string* error);

  std::vector<CommitInfo> list() const;  // oldest first
  // The configuration text of a version, without the header; the error names the version.
  bool load(uint64_t version, std::string* text, std::string* error) const;
  uint64_t latest() const;  // 0 when empty

  // Files in the directory named like versions that could not be read at open(), with the reason.
  const std::vector<std::string>& skipped() const { return skipped_; }

  // The file a version is stored in.
  std::string path_of(uint64_t version) const;

 private:
  void prune();

  std::string dir_;
  uint32_t depth_;
  std::vector<CommitInfo> versions_;  // oldest first
  std::vector<std::string> skipped_;
};

}  // namespace sluice::control::edit
