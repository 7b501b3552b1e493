// control/plane/file_watcher.cc — see file_watcher.h.
#include "control/plane/file_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::control::plane {

std::vector<std::string> files_read_by(const Policy& policy) {
  std::vector<std::string> files = policy.antivirus.signature_files;
  files.insert(files.end(), policy.url_filter.domain_lists.begin(), policy.url_filter.domain_lists.end());
  files.insert(files.end(), policy.url_filter.url_lists.begin(), policy.url_filter.url_lists.end());
  for (const ReputationList& r : policy.reputation_lists) {
    if (!r.file.empty()) files.push_back(r.file);
  }
  return files;
}

FileWatcher::FileWatcher() = default;
FileWatcher::~FileWatcher() { stop(); }

void FileWatcher::stop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  dirs_.clear();
  files_.clear();
  changed_.clear();
}

bool FileWatcher::watch(const Policy& policy, std::string* error) {
  stop();
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    *error = std::string("inotify: ") + std::strerror(errno);
    return false;
  }
  std::set<std::string> dirs;
  for (const std::string& f : files_read_by(policy)) {
    files_.insert(f);
    const size_t slash = f.rfind('/');
    dirs.insert(slash == std::string::npos ? "." : (slash == 0 ? "/" : f.substr(0, slash)));
  }
  for (const std::string& d : dirs) {
    const int wd = inotify_add_watch(fd_, d.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE);
    if (wd < 0) {
      *error = "inotify on " + d + ": " + std::strerror(errno);
      return false;
    }
    dirs_[wd] = d;
  }
  return true;
}

void FileWatcher::read_events(int64_t now_ms) {
  alignas(inotify_event) char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) return;
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      const auto dir = dirs_.find(e->wd);
      if (dir == dirs_.end() || e->len == 0) continue;
      const std::string path = (dir->second == "/" ? "" : dir->second) + "/" + e->name;
      if (files_.count(path) == 0) continue;
      changed_.insert(path);
      last_event_ms_ = now_ms;
    }
  }
}

std::vector<std::string> FileWatcher::settled(int64_t now_ms) {
  if (changed_.empty() || now_ms - last_event_ms_ < kSettleMs) return {};
  std::vector<std::string> out(changed_.begin(), changed_.end());
  changed_.clear();
  return out;
}

int FileWatcher::timeout_ms(int64_t now_ms) const {
  if (changed_.empty()) return -1;
  const int64_t left = kSettleMs - (now_ms - last_event_ms_);
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace sluice::control::plane
