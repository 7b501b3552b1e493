// control/plane/alert_mail.cc — see alert_mail.h.
#include "control/plane/alert_mail.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "control/notify/smtp_client.h"

namespace sluice::control::plane {

namespace {

notify::SecureOption secure_from(SecureOption o) {
  switch (o) {
    case SecureOption::None: return notify::SecureOption::None;
    case SecureOption::Smtps: return notify::SecureOption::Smtps;
    case SecureOption::Starttls: return notify::SecureOption::Starttls;
    case SecureOption::Default: break;
  }
  return notify::SecureOption::Default;
}

// The next time of day "HH:MM" (local time) after now.
int64_t next_time_of_day(const std::string& hh_mm, int64_t now) {
  const int hour = std::atoi(hh_mm.c_str()), minute = std::atoi(hh_mm.c_str() + 3);
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = 0;
  int64_t at = static_cast<int64_t>(std::mktime(&tm));
  if (at <= now) at += 86400;
  return at;
}

// The value of "key":"..." in a JSON line (log records are flat enough for this at the top level).
std::string json_string(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const size_t at = line.find(needle);
  if (at == std::string::npos) return {};
  const size_t from = at + needle.size();
  const size_t to = line.find('"', from);
  return to == std::string::npos ? std::string() : line.substr(from, to - from);
}

}  // namespace

notify::MailServer mail_server_from(const AlertMailSettings& s) {
  notify::MailServer m;
  m.host = s.server;
  m.port = s.port;
  m.secure = secure_from(s.secure_option);
  m.username = s.username;
  m.password = s.password;
  m.client_cert = s.client_cert;
  m.ca_file = s.ca_file;
  m.verify = s.verify;
  m.helo = s.helo;
  m.timeout_ms = s.timeout_s * 1000;
  return m;
}

bool AlertMail::configure(const AlertMailSettings& settings, const std::string& log_path, std::string* error) {
  settings_ = settings;
  log_path_ = log_path;
  enabled_ = settings.enabled;
  if (!enabled_) return true;
  notify::AlertQueueSettings q;
  q.dir = settings.queue_dir;
  q.retry_interval_s = settings.retry_interval_s;
  q.max_age_h = settings.max_age_h;
  owned_queue_ = std::make_unique<notify::AlertQueue>();
  if (!owned_queue_->open(q, error)) {
    owned_queue_.reset();
    queue_ = nullptr;
    enabled_ = false;
    return false;
  }
  queue_ = owned_queue_.get();
  next_delivery_ = 0;   // what a previous run left is tried at once
  next_summary_ = next_time_of_day(settings.daily_summary_time, static_cast<int64_t>(std::time(nullptr)));
  return true;
}

void AlertMail::alert(const std::string& kind, const std::string& subject, const std::string& body) {
  if (!enabled_ || queue_ == nullptr) return;
  if (kind == "critical" && !settings_.critical_events) return;
  if (kind == "quarantine" && !settings_.quarantine_notices) return;
  std::string id, error;
  if (!queue_->enqueue("[sluice] " + subject, body, &id, &error)) {
    std::fprintf(stderr, "sluice: alert mail not queued: %s\n", error.c_str());
    return;
  }
  next_delivery_ = 0;
}

void AlertMail::follow_log() {
  const int fd = ::open(log_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (log_offset_ < 0 || end < log_offset_) log_offset_ = log_offset_ < 0 ? end : 0;
  std::string chunk;
  if (end > log_offset_) {
    chunk.resize(static_cast<size_t>(std::min<off_t>(end - log_offset_, 4 << 20)));
    const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), log_offset_);
    chunk.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(fd);
  size_t start = 0;
  for (size_t nl; (nl = chunk.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = chunk.substr(start, nl - start);
    if (json_string(line, "event_type") != "smtp_message") continue;
    const size_t verdict_at = line.find("\"verdict\":{\"action\":\"");
    if (verdict_at == std::string::npos) continue;
    const std::string action = line.substr(verdict_at + 21, line.find('"', verdict_at + 21) - verdict_at - 21);
    ++tallies_[action];
    if (action == "quarantine") {
      alert("quarantine", "message quarantined: " + json_string(line, "id"),
            "A message was quarantined.\n\nid: " + json_string(line, "id") + "\nquarantine file: " +
                json_string(line, "quarantine_file") + "\n\nLog record:\n" + line + "\n");
    }
  }
  log_offset_ += static_cast<int64_t>(start);
}

void AlertMail::send_daily_summary(int64_t now) {
  std::string body = "Messages since the last summary, by verdict:\n";
  uint64_t total = 0;
  for (const auto& [action, n] : tallies_) {
    body += "  " + action + ": " + std::to_string(n) + "\n";
    total += n;
  }
  body += "  total: " + std::to_string(total) + "\n";
  if (queue_ != nullptr) body += "Alerts waiting in the queue: " + std::to_string(queue_->queued()) + "\n";
  tallies_.clear();
  if (settings_.daily_summary) {
    std::string id, error;
    if (queue_ != nullptr) queue_->enqueue("[sluice] daily summary", body, &id, &error);
    next_delivery_ = 0;
  }
  next_summary_ = next_time_of_day(settings_.daily_summary_time, now + 60);
}

void AlertMail::poll(int64_t now) {
  if (!enabled_) return;
  follow_log();
  if (now >= next_summary_) send_daily_summary(now);
  if (queue_ == nullptr || queue_->queued() == 0 || now < next_delivery_) return;
  last_run_ = queue_->deliver_due(mail_server_from(settings_), settings_.from, settings_.to, now);
  last_run_time_ = now;
  next_delivery_ = now + settings_.retry_interval_s;
}

std::string AlertMail::test(const std::string& subject, bool* ok) {
  *ok = false;
  if (!enabled_) return "alert mail is disabled (config system alertemail: set status enable)";
  const std::string message = "From: " + settings_.from + "\r\nTo: " + (settings_.to.empty() ? "" : settings_.to[0]) +
                              "\r\nSubject: [sluice] " + subject + "\r\n\r\nThis is a test of Sluice's alert mail.\r\n";
  notify::Transcript transcript;
  const notify::SendResult r = notify::send_mail(mail_server_from(settings_), settings_.from, settings_.to, message,
                                                 &transcript);
  *ok = r.ok;
  std::string out = notify::format_transcript(transcript);
  out += r.ok ? "sent: " + r.final_reply + "\n" : "not sent: " + r.error + (r.retryable ? " (retryable)" : "") + "\n";
  return out;
}

std::string AlertMail::describe() const {
  if (!enabled_) return "alert mail: disabled\n";
  const char* secure[] = {"default", "none", "smtps", "starttls"};
  std::string to;
  for (const std::string& t : settings_.to) to += (to.empty() ? "" : " ") + t;
  std::string out = "alert mail: enabled, server " + settings_.server + " port " +
                    (settings_.port == 0 ? std::string("auto") : std::to_string(settings_.port)) + ", secure-option " +
                    secure[static_cast<int>(settings_.secure_option)] + ", auth " +
                    (settings_.username.empty() ? std::string("none") : "user " + settings_.username) +
                    (settings_.client_cert.empty() ? "" : ", client certificate " + settings_.client_cert) + "\n";
  out += "from " + settings_.from + " to " + to + "\n";
  out += "queue " + settings_.queue_dir + ": " + std::to_string(queue_ != nullptr ? queue_->queued() : 0) + " waiting\n";
  if (last_run_time_ != 0) {
    out += "last delivery run: sent " + std::to_string(last_run_.sent) + ", deferred " +
           std::to_string(last_run_.deferred) + ", failed " + std::to_string(last_run_.failed) +
           (last_run_.last_error.empty() ? "" : ", last error: " + last_run_.last_error) + "\n";
  }
  return out;
}

}  // namespace sluice::control::plane
