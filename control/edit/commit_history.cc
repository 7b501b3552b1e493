// control/edit/commit_history.cc — versioned configuration files, written by rename.
//
// File layout (the header is a comment, so the file loads as a configuration as it is):
//   # sluice commit
//   # version: 12
//   # time: 1700000000
//   # user: admin
//   # comment: add a signature
//   # bytes: 1234
//   <the configuration text, exactly `bytes` long>
#include "control/edit/commit_history.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

namespace sluice::control::edit {

namespace {

constexpr std::string_view kMagic = "# sluice commit";
constexpr std::string_view kSuffix = ".conf";
// Temporary files: dot-prefixed so nothing lists them as versions; removed by open() after a crash.
constexpr std::string_view kTempPrefix = ".commit-";
constexpr size_t kHeaderLines = 6;

std::string errno_text() { return std::strerror(errno); }

std::string one_line(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

template <class Int>
std::optional<Int> parse_number(std::string_view text) {
  Int value{};
  const auto [stop, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || status != std::errc() || stop != text.data() + text.size()) return std::nullopt;
  return value;
}

// "000012.conf" -> 12; nullopt for any other name.
std::optional<uint64_t> version_of_name(std::string_view name) {
  if (!name.ends_with(kSuffix)) return std::nullopt;
  const std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() < 6 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const std::optional<uint64_t> version = parse_number<uint64_t>(digits);
  if (!version || *version == 0) return std::nullopt;
  return version;
}

std::string header(const CommitInfo& info) {
  return std::string(kMagic) + "\n# version: " + std::to_string(info.version) +
         "\n# time: " + std::to_string(info.unix_time) + "\n# user: " + one_line(info.user) +
         "\n# comment: " + one_line(info.comment) + "\n# bytes: " + std::to_string(info.bytes) + "\n";
}

struct ParsedFile {
  CommitInfo info;
  std::string text;
};

// Reads a version file; the error says what is wrong with it (callers add which version).
std::optional<ParsedFile> read_version_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path + ": " + errno_text();
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  const std::string all = contents.str();
  std::vector<std::string_view> fields;
  size_t pos = 0;
  for (size_t line = 0; line < kHeaderLines; ++line) {
    const size_t newline = all.find('\n', pos);
    if (newline == std::string::npos) {
      *error = path + " has no complete commit header";
      return std::nullopt;
    }
    fields.push_back(std::string_view(all).substr(pos, newline - pos));
    pos = newline + 1;
  }
  auto value = [&](size_t line, std::string_view name) -> std::optional<std::string_view> {
    const std::string prefix = "# " + std::string(name) + ": ";
    if (!fields[line].starts_with(prefix)) {
      // "# comment: " with an empty comment may have lost its trailing blank to an editor.
      if (fields[line] == "# " + std::string(name) + ":") return std::string_view{};
      return std::nullopt;
    }
    return fields[line].substr(prefix.size());
  };
  const auto version = value(1, "version"), time = value(2, "time"), user = value(3, "user");
  const auto comment = value(4, "comment"), bytes = value(5, "bytes");
  ParsedFile parsed;
  const bool header_ok = fields[0] == kMagic && version && time && user && comment && bytes;
  const auto version_number = header_ok ? parse_number<uint64_t>(*version) : std::nullopt;
  const auto time_number = header_ok ? parse_number<int64_t>(*time) : std::nullopt;
  const auto byte_count = header_ok ? parse_number<size_t>(*bytes) : std::nullopt;
  if (!version_number || !time_number || !byte_count) {
    *error = path + " has a damaged commit header";
    return std::nullopt;
  }
  parsed.info = CommitInfo{*version_number, *time_number, std::string(*user), std::string(*comment), *byte_count};
  parsed.text = all.substr(pos);
  if (parsed.text.size() != parsed.info.bytes) {
    *error = path + " holds " + std::to_string(parsed.text.size()) + " bytes of configuration, its header says " +
             std::to_string(parsed.info.bytes);
    return std::nullopt;
  }
  return parsed;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// The rename is durable only once the directory entry is on disk.
bool sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

}  // namespace

CommitHistory::CommitHistory(std::string dir, uint32_t depth) : dir_(std::move(dir)), depth_(std::max(depth, 1u)) {}

std::string CommitHistory::path_of(uint64_t version) const {
  char name[32];
  std::snprintf(name, sizeof name, "%06llu.conf", static_cast<unsigned long long>(version));
  return (std::filesystem::path(dir_) / name).string();
}

bool CommitHistory::open(std::string* error) {
  versions_.clear();
  skipped_.clear();
  std::error_code code;
  std::filesystem::create_directories(dir_, code);
  if (code) {
    *error = "cannot create history directory " + dir_ + ": " + code.message();
    return false;
  }
  if (!std::filesystem::is_directory(dir_, code)) {
    *error = "history directory " + dir_ + " is not a directory";
    return false;
  }
  ::chmod(dir_.c_str(), 0700);  // a directory made by create_directories follows the umask
  std::filesystem::directory_iterator it(dir_, code);
  if (code) {
    *error = "cannot read history directory " + dir_ + ": " + code.message();
    return false;
  }
  for (const std::filesystem::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kTempPrefix)) {
      std::filesystem::remove(entry.path(), code);  // a commit that never reached its rename
      continue;
    }
    const std::optional<uint64_t> version = version_of_name(name);
    if (!version) continue;
    std::string why;
    std::optional<ParsedFile> parsed = read_version_file(entry.path().string(), &why);
    if (parsed && parsed->info.version != *version) {
      why = entry.path().string() + " says it is version " + std::to_string(parsed->info.version);
      parsed.reset();
    }
    if (!parsed) {
      skipped_.push_back(why);
      continue;
    }
    versions_.push_back(parsed->info);
  }
  std::sort(versions_.begin(), versions_.end(),
            [](const CommitInfo& a, const CommitInfo& b) { return a.version < b.version; });
  return true;
}

bool CommitHistory::record(const CommitInfo& info, const std::string& text, std::string* error) {
  CommitInfo stored = info;
  if (stored.version == 0) stored.version = latest() + 1;
  if (stored.version <= latest()) {
    *error = "version " + std::to_string(stored.version) + " is not newer than the latest recorded version " +
             std::to_string(latest());
    return false;
  }
  stored.user = one_line(stored.user);
  stored.comment = one_line(stored.comment);
  stored.bytes = text.size();
  const std::string final_path = path_of(stored.version);
  const std::string temp_path =
      (std::filesystem::path(dir_) / (std::string(kTempPrefix) + std::to_string(stored.version) + "-" +
                                      std::to_string(::getpid()))).string();
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot record version " + std::to_string(stored.version) + ": cannot create " + temp_path + ": " +
             errno_text();
    return false;
  }
  const bool written = write_all(fd, header(stored)) && write_all(fd, text) && ::fsync(fd) == 0;
  const std::string write_error = written ? "" : errno_text();
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    const std::string why = !written ? write_error : errno_text();
    ::unlink(temp_path.c_str());
    *error = "cannot record version " + std::to_string(stored.version) + " in " + final_path + ": " + why;
    return false;
  }
  if (!sync_directory(dir_)) {
    // The file is complete and named; only its durability across a power cut is in doubt. Say so: the
    // caller decides whether a commit whose history entry may vanish counts.
    versions_.push_back(stored);
    *error = "recorded version " + std::to_string(stored.version) + " but could not sync " + dir_ + ": " +
             errno_text();
    prune();
    return false;
  }
  versions_.push_back(stored);
  prune();
  return true;
}

void CommitHistory::prune() {
  while (versions_.size() > depth_) {
    const std::string path = path_of(versions_.front().version);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return;  // kept listed; the next record() retries
    versions_.erase(versions_.begin());
  }
}

std::vector<CommitInfo> CommitHistory::list() const { return versions_; }

uint64_t CommitHistory::latest() const { return versions_.empty() ? 0 : versions_.back().version; }

bool CommitHistory::load(uint64_t version, std::string* text, std::string* error) const {
  const bool known = std::any_of(versions_.begin(), versions_.end(),
                                 [&](const CommitInfo& info) { return info.version == version; });
  if (!known) {
    std::string range = versions_.empty() ? "the history is empty"
                                          : "kept: " + std::to_string(versions_.front().version) + ".." +
                                                std::to_string(versions_.back().version);
    *error = "no version " + std::to_string(version) + " in the configuration history (" + range + ")";
    return false;
  }
  std::string why;
  std::optional<ParsedFile> parsed = read_version_file(path_of(version), &why);
  if (!parsed) {
    *error = "version " + std::to_string(version) + " cannot be loaded: " + why;
    return false;
  }
  *text = std::move(parsed->text);
  return true;
}

}  // namespace sluice::control::edit
