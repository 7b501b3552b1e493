// control/plane/alert_mail.h — the appliance's own mail: quarantine notices, critical events, the daily
// summary, through config system alertemail.
//
// Owns: turning config system alertemail into a notify::MailServer, the queue it feeds (notify::AlertQueue,
// on disk, retried), following the message log for quarantine verdicts and the day's tallies, and the
// daily-summary clock. Runs on the control thread: delivery is blocking SMTP bounded by the timeout setting,
// tried at most once per retry-interval.
// May call: control/notify.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "control/notify/alert_queue.h"
#include "control/notify/mail_types.h"
#include "control/policy.h"

namespace sluice::control::plane {

notify::MailServer mail_server_from(const AlertMailSettings& s);

class AlertMail {
 public:
  // (Re)configures from the running policy; opens the queue directory. False with *error when it cannot.
  bool configure(const AlertMailSettings& settings, const std::string& log_path, std::string* error);
  bool enabled() const { return enabled_; }
  // Queues one alert (no-op when alert mail is off). kind: "critical" or "quarantine" (each has its switch).
  void alert(const std::string& kind, const std::string& subject, const std::string& body);
  // Called every control-loop pass: reads new log records, sends the summary when due, delivers the queue
  // when its retry time has come.
  void poll(int64_t now_unix);
  // diagnose test alertmail: queue one test message and deliver now, with the SMTP transcript.
  std::string test(const std::string& subject, bool* ok);
  std::string describe() const;

 private:
  void follow_log();
  void send_daily_summary(int64_t now_unix);

  AlertMailSettings settings_;
  bool enabled_ = false;
  notify::AlertQueue* queue_ = nullptr;
  std::unique_ptr<notify::AlertQueue> owned_queue_;
  std::string log_path_;
  int64_t log_offset_ = -1;                  // -1: start at the end of the log
  std::map<std::string, uint64_t> tallies_;  // verdicts since the last summary
  int64_t next_delivery_ = 0;
  int64_t next_summary_ = 0;
  notify::AlertQueue::RunStats last_run_;
  int64_t last_run_time_ = 0;
};

}  // namespace sluice::control::plane
