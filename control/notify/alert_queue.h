// control/notify/alert_queue.h — alert mail that survives a restart and is retried until it goes or expires.
//
// Owns: the queue directory — one file per alert (written to a temporary name, fsync'ed, renamed, the
// directory fsync'ed, so a crash leaves either the whole alert or nothing) holding its creation time, next
// attempt, attempt count, last error, subject and body — and dir/failed/, where alerts refused with 5xx or
// older than max_age_h go with their reason. Deliveries go through send_mail; the message text is
// built at each attempt by build_alert_message with the alert's own creation time and id, so a retry
// carries the same Date and Message-ID.
// Threads: enqueue may be called from any thread; deliver_due from one thread at a time (it blocks on the
// network, so the daemon runs it on its notification thread, never on a packet core).
// May call: smtp_client, alert_message, POSIX file calls, the C++ standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "control/notify/mail_types.h"

namespace sluice::control::notify {

struct AlertQueueSettings {
  std::string dir;
  uint32_t retry_interval_s = 60;
  uint32_t max_age_h = 72;
  size_t max_queued = 1000;
  size_t max_alert_bytes = 1 << 20;   // subject + body of one alert; a runaway report is refused, not queued
};

class AlertQueue {
 public:
  bool open(const AlertQueueSettings&, std::string* error);  // mkdir -p; picks up what a previous run left
  // Stores one alert (subject + body) as a file (write temp + fsync + rename). Returns its id.
  bool enqueue(std::string_view subject, std::string_view body, std::string* id, std::string* error);
  // Tries every due alert once: builds the RFC 5322 message, send_mail; sent → file removed; 5xx or too old →
  // moved to dir/failed/ with the reason; 4xx/network → stays, next try after retry_interval_s. After a
  // retryable failure the remaining due alerts are deferred without a connection of their own: the server
  // is not taking mail now, and each attempt could cost a full timeout.
  struct RunStats { uint32_t sent = 0, deferred = 0, failed = 0; std::string last_error; };
  RunStats deliver_due(const MailServer&, const std::string& from, const std::vector<std::string>& to,
                       int64_t now_unix);
  size_t queued() const;
  // Ids of the alerts waiting, oldest first (for `show` commands and tests).
  std::vector<std::string> ids() const;
  const std::string& failed_dir() const { return failed_dir_; }

 private:
  struct Entry {
    int64_t created = 0, next_attempt = 0;
    uint32_t attempts = 0;
    std::string last_error;
  };
  struct Stored {
    Entry entry;
    std::string subject, body;
  };
  std::string path_of(const std::string& id) const;
  bool load(const std::string& id, Stored* out, std::string* error) const;
  bool store(const std::string& dir, const std::string& id, const Stored& alert, const std::string& failure,
             std::string* error) const;
  void move_to_failed(const std::string& id, const std::string& reason);
  std::string next_id(int64_t now);

  AlertQueueSettings settings_;
  std::string failed_dir_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;   // by id; ids sort by creation time
  uint32_t sequence_ = 0;
  bool opened_ = false;
};

}  // namespace sluice::control::notify
