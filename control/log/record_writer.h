// control/log/record_writer.h — writes one EVE-style JSON line per message, and a human summary.
//
// Owns: the JSON-lines log file (or stdout) and its reopening for rotation, an optional readable
// one-line-per-message summary, and the verdict tallies printed at the end of an offline run. Offline mode
// runs it on the worker itself; the live appliance will move it behind a ring on the control thread (no file
// I/O on worker cores).
// Calls: scan/inspector (MessageRecord, write_message_json).
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <string_view>

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
  // False when the last record's line did not reach the file whole (disk full, I/O error): the record is lost,
  // mail keeps flowing. The first failure and the first success after failures each print one line to stderr
  // (the daemon's log) with the path, the error and how many records were lost; writing is retried every record.
  bool last_written() const { return last_written_; }
  uint64_t lost() const { return lost_; }
  // The JSON of the last record written, without its newline (the syslog copy sends it as is).
  std::string_view last_json() const { return std::string_view(line_).substr(0, line_.empty() ? 0 : line_.size() - 1); }

  // Log rotation (`mv log log.1; kill -HUP`): opens the same path again in append mode, then flushes and
  // closes the old file, so every complete line written before lands in log.1 and every later one in the new
  // log. A no-op for stdout. If the path cannot be opened, records keep going to the old file and the error
  // says why. The caller runs it where records are written (never from the signal handler itself).
  bool reopen(std::string* error);

  uint64_t records() const { return records_; }
  const std::map<std::string, uint64_t>& verdicts() const { return verdicts_; }

 private:
  void write_summary(const scan::MessageRecord&);
  void write_line();

  std::FILE* log_ = nullptr;
  bool owns_log_ = false;
  std::string path_;               // for reopen()
  std::FILE* summary_ = nullptr;
  std::string line_;               // reused per record
  uint64_t records_ = 0;
  bool last_written_ = true;
  uint64_t lost_ = 0;              // records whose line did not reach the file
  uint64_t lost_reported_ = 0;     // lost_ when the last failure line was printed
  std::map<std::string, uint64_t> verdicts_;   // control-side tally, not per packet
};

}  // namespace sluice::log
