#include "control/notify/alert_queue.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "control/notify/alert_message.h"
#include "control/notify/smtp_client.h"

namespace sluice::control::notify {
namespace {

constexpr const char* kMagic = "sluice-alert 1";
constexpr const char* kSuffix = ".alert";

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

bool fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Whole file or nothing: temp name, write, fsync, rename over the final name, fsync the directory.
bool write_atomically(const std::string& dir, const std::string& name, const std::string& content, std::string* error) {
  const std::string path = dir + "/" + name;
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);   // alerts may name people
  if (fd < 0) {
    *error = "create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    *error = "fsync " + tmp + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "rename " + tmp + " to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  fsync_dir(dir);
  return true;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string AlertQueue::path_of(const std::string& id) const { return settings_.dir + "/" + id + kSuffix; }

bool AlertQueue::open(const AlertQueueSettings& settings, std::string* error) {
  namespace fs = std::filesystem;
  if (settings.dir.empty()) {
    *error = "alert queue: no directory configured";
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = settings;
  failed_dir_ = settings.dir + "/failed";
  std::error_code ec;
  for (const std::string& d : {settings_.dir, failed_dir_}) {
    if (fs::create_directories(d, ec)) fs::permissions(d, fs::perms::owner_all, ec);
    if (ec || !fs::is_directory(d)) {
      *error = "alert queue directory " + d + ": " + (ec ? ec.message() : "not a directory");
      return false;
    }
  }
  entries_.clear();
  std::vector<std::string> unreadable;
  for (const fs::directory_entry& file : fs::directory_iterator(settings_.dir, ec)) {
    if (!file.is_regular_file()) continue;
    const std::string name = file.path().filename().string();
    if (ends_with(name, ".tmp")) {   // a write that never completed; its enqueue never returned success
      fs::remove(file.path(), ec);
      continue;
    }
    if (!ends_with(name, kSuffix)) continue;
    const std::string id = name.substr(0, name.size() - std::strlen(kSuffix));
    Stored stored;
    std::string why;
    if (load(id, &stored, &why)) {
      entries_[id] = stored.entry;
    } else {
      unreadable.push_back(id);
    }
  }
  if (ec) {
    *error = "alert queue directory " + settings_.dir + ": " + ec.message();
    return false;
  }
  opened_ = true;
  for (const std::string& id : unreadable) {
    // Keep the bytes for a human; they can never be sent as they are.
    fs::rename(path_of(id), failed_dir_ + "/" + id + kSuffix, ec);
  }
  return true;
}

bool AlertQueue::load(const std::string& id, Stored* out, std::string* error) const {
  std::ifstream in(path_of(id), std::ios::binary);
  if (!in) {
    *error = "open " + path_of(id) + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  size_t header_end = text.find("\n\n");
  if (text.rfind(kMagic, 0) != 0 || header_end == std::string::npos) {
    *error = path_of(id) + ": not an alert queue file";
    return false;
  }
  std::istringstream header(text.substr(0, header_end));
  std::string line;
  std::getline(header, line);   // the magic
  bool have_created = false;
  while (std::getline(header, line)) {
    size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    try {
      if (key == "created") {
        out->entry.created = std::stoll(value);
        have_created = true;
      } else if (key == "next-attempt") {
        out->entry.next_attempt = std::stoll(value);
      } else if (key == "attempts") {
        out->entry.attempts = static_cast<uint32_t>(std::stoul(value));
      } else if (key == "last-error") {
        out->entry.last_error = value;
      } else if (key == "subject") {
        out->subject = value;
      }
    } catch (const std::exception&) {
      *error = path_of(id) + ": bad value for " + key;
      return false;
    }
  }
  if (!have_created) {
    *error = path_of(id) + ": no creation time";
    return false;
  }
  out->body = text.substr(header_end + 2);
  return true;
}

bool AlertQueue::store(const std::string& dir, const std::string& id, const Stored& alert, const std::string& failure,
                       std::string* error) const {
  std::string text = std::string(kMagic) + "\n";
  text += "created: " + std::to_string(alert.entry.created) + "\n";
  text += "next-attempt: " + std::to_string(alert.entry.next_attempt) + "\n";
  text += "attempts: " + std::to_string(alert.entry.attempts) + "\n";
  text += "last-error: " + one_line(alert.entry.last_error) + "\n";
  if (!failure.empty()) text += "failed: " + one_line(failure) + "\n";
  text += "subject: " + one_line(alert.subject) + "\n\n";
  text += alert.body;
  return write_atomically(dir, id + kSuffix, text, error);
}

std::string AlertQueue::next_id(int64_t now) {
  // Sorts by creation time; pid, sequence and a random part keep two daemons (or a restart within the same
  // second) from ever choosing the same name.
  static thread_local std::mt19937 random{std::random_device{}()};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%011lld-%d-%06u-%08x", static_cast<long long>(now), static_cast<int>(getpid()),
                ++sequence_, static_cast<unsigned>(random()));
  return buf;
}

bool AlertQueue::enqueue(std::string_view subject, std::string_view body, std::string* id, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!opened_) {
    *error = "alert queue is not open";
    return false;
  }
  if (entries_.size() >= settings_.max_queued) {
    *error = "alert queue full (" + std::to_string(settings_.max_queued) + " alerts, max-queued); alert dropped";
    return false;
  }
  if (subject.size() + body.size() > settings_.max_alert_bytes) {
    *error = "alert of " + std::to_string(subject.size() + body.size()) + " bytes exceeds max-alert-bytes (" +
             std::to_string(settings_.max_alert_bytes) + ")";
    return false;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  Stored alert;
  alert.entry.created = now;
  alert.entry.next_attempt = now;
  alert.subject = std::string(subject);
  alert.body = std::string(body);
  const std::string new_id = next_id(now);
  if (!store(settings_.dir, new_id, alert, "", error)) return false;
  entries_[new_id] = alert.entry;
  *id = new_id;
  return true;
}

void AlertQueue::move_to_failed(const std::string& id, const std::string& reason) {
  Stored alert;
  std::string error;
  if (load(id, &alert, &error) && store(failed_dir_, id, alert, reason, &error)) {
    ::unlink(path_of(id).c_str());
  } else {
    std::error_code ec;   // unreadable: move the bytes as they are
    std::filesystem::rename(path_of(id), failed_dir_ + "/" + id + kSuffix, ec);
  }
  fsync_dir(settings_.dir);
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.erase(id);
}

AlertQueue::RunStats AlertQueue::deliver_due(const MailServer& server, const std::string& from,
                                             const std::vector<std::string>& to, int64_t now_unix) {
  RunStats stats;
  std::vector<std::pair<std::string, Entry>> due;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!opened_) {
      stats.last_error = "alert queue is not open";
      return stats;
    }
    for (const auto& [id, entry] : entries_)
      if (entry.next_attempt <= now_unix) due.emplace_back(id, entry);
  }
  const int64_t max_age_s = static_cast<int64_t>(settings_.max_age_h) * 3600;
  std::string server_down;   // set by the first retryable failure of this run
  for (const auto& [id, entry] : due) {
    if (now_unix - entry.created > max_age_s) {
      std::string reason = "expired after " + std::to_string(settings_.max_age_h) + " h in the queue (" +
                           std::to_string(entry.attempts) + " attempts" +
                           (entry.last_error.empty() ? ")" : ", last error: " + entry.last_error + ")");
      move_to_failed(id, reason);
      ++stats.failed;
      stats.last_error = reason;
      continue;
    }
    Stored alert;
    std::string error;
    if (!load(id, &alert, &error)) {
      move_to_failed(id, "unreadable: " + error);
      ++stats.failed;
      stats.last_error = error;
      continue;
    }
    SendResult result;
    if (server_down.empty()) {
      const std::string message =
          build_alert_message(from, to, alert.subject, alert.body, alert.entry.created, "sluice-alert-" + id);
      result = send_mail(server, from, to, message, nullptr);
      if (!result.ok && result.retryable) server_down = result.error;
    } else {
      result.retryable = true;
      result.error = server_down;
    }
    if (result.ok) {
      ::unlink(path_of(id).c_str());
      fsync_dir(settings_.dir);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.erase(id);
      }
      ++stats.sent;
      if (!result.error.empty()) stats.last_error = result.error;   // delivered, some recipients refused
    } else if (result.retryable) {
      alert.entry.attempts += 1;
      alert.entry.next_attempt = now_unix + settings_.retry_interval_s;
      alert.entry.last_error = result.error;
      if (!store(settings_.dir, id, alert, "", &error)) stats.last_error = error;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_[id] = alert.entry;
      }
      ++stats.deferred;
      stats.last_error = result.error;
    } else {
      move_to_failed(id, result.error);
      ++stats.failed;
      stats.last_error = result.error;
    }
  }
  return stats;
}

size_t AlertQueue::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::vector<std::string> AlertQueue::ids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, entry] : entries_) out.push_back(id);
  return out;
}

}  // namespace sluice::control::notify
