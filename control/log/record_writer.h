// control/log/record_writer.h — writes one EVE-style JSON line per message, and a human summary.
//
// Owns: the JSON-lines log file (or stdout), an optional readable one-line-per-message summary, and the
// verdict tallies printed at the end of an offline run. Offline mode runs it on the worker itself; the live
// appliance will move it behind a ring on the control thread (no file I/O on worker cores).
// Calls: scan/inspector (MessageRecord, write_message_json).
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "scan/inspector/session_inspector.h"

namespace sluice::log {

class RecordWriter final : public scan::RecordSink {
 public:
  // path "" or "-" = stdout. summary: also print a readable line per message to `summary_out`.
  bool open(const std::string& path, std::FILE* summary_out, std::string* error);
  ~RecordWriter() override;

  void on_message_record(const scan::MessageRecord&) override;
  void on_tls_failure(const scan::TlsFailureRecord&) override;
  void flush();

  uint64_t records() const { return records_; }
  const std::map<std::string, uint64_t>& verdicts() const { return verdicts_; }

 private:
  void write_summary(const scan::MessageRecord&);

  std::FILE* log_ = nullptr;
  bool owns_log_ = false;
  std::FILE* summary_ = nullptr;
  std::string line_;               // reused per record
  uint64_t records_ = 0;
  std::map<std::string, uint64_t> verdicts_;   // control-side tally, not per packet
};

}  // namespace sluice::log
