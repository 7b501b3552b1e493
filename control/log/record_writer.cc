#include "control/log/record_writer.h"

#include <cerrno>
#include <cstring>

namespace sluice::log {

bool RecordWriter::open(const std::string& path, std::FILE* summary_out, std::string* error) {
  summary_ = summary_out;
  if (path.empty() || path == "-") {
    log_ = stdout;
    return true;
  }
  log_ = std::fopen(path.c_str(), "w");
  if (!log_) {
    *error = "cannot open log file '" + path + "': " + std::strerror(errno);
    return false;
  }
  // Unbuffered: each record is one write(2) whose result says whether it landed (a full disk is seen on the
  // record it hits, not at some later flush, and no half-written buffer is carried over).
  std::setvbuf(log_, nullptr, _IONBF, 0);
  owns_log_ = true;
  path_ = path;
  return true;
}

bool RecordWriter::reopen(std::string* error) {
  if (!owns_log_) return true;   // stdout: nothing to rotate
  std::FILE* fresh = std::fopen(path_.c_str(), "a");
  if (!fresh) {
    *error = "cannot reopen log file '" + path_ + "': " + std::strerror(errno);
    return false;
  }
  std::setvbuf(fresh, nullptr, _IONBF, 0);
  // Buffered lines belong to the old (renamed) file: flush them there before switching.
  std::fflush(log_);
  std::fclose(log_);
  log_ = fresh;
  return true;
}

RecordWriter::~RecordWriter() {
  flush();
  if (owns_log_) std::fclose(log_);
}

void RecordWriter::flush() {
  if (log_) std::fflush(log_);
  if (summary_) std::fflush(summary_);
}

void RecordWriter::on_message_record(const scan::MessageRecord& r) {
  line_.clear();
  scan::write_message_json(r, line_);
  line_ += '\n';
  write_line();
  ++records_;
  const std::string verdict = r.encrypted ? "not_inspected" : control::action_name(r.verdict.action);
  ++verdicts_[verdict];
  if (summary_) write_summary(r);
}

void RecordWriter::on_tls_failure(const scan::TlsFailureRecord& r) {
  line_.clear();
  scan::write_tls_failure_json(r, line_);
  line_ += '\n';
  write_line();
  if (summary_) {
    std::fprintf(summary_, "tls-failure %s:%u -> %s:%u %s leg: %s (offered %s; %s)\n", r.flow.src_ip.c_str(),
                 r.flow.src_port, r.flow.dest_ip.c_str(), r.flow.dest_port, r.leg.c_str(), r.reason.c_str(),
                 r.offered_versions.c_str(), r.action.c_str());
  }
}

void RecordWriter::write_line() {
  errno = 0;
  const bool whole = std::fwrite(line_.data(), 1, line_.size(), log_) == line_.size() && std::fflush(log_) == 0;
  const int error = errno;
  const char* where = path_.empty() ? "stdout" : path_.c_str();
  if (!whole) {
    std::clearerr(log_);   // retried with the next record
    if (lost_++ == lost_reported_) {
      std::fprintf(stderr, "sluice: message log %s: write failed (%s): records are being lost, mail keeps flowing\n",
                   where, error ? std::strerror(error) : "short write");
    }
  } else if (!last_written_) {
    std::fprintf(stderr, "sluice: message log %s: writing again; %llu record(s) lost\n", where,
                 static_cast<unsigned long long>(lost_ - lost_reported_));
    lost_reported_ = lost_;
  }
  last_written_ = whole;
}

void RecordWriter::write_summary(const scan::MessageRecord& r) {
  std::string rcpts;
  for (const std::string& rcpt : r.envelope.rcpt_to) rcpts += (rcpts.empty() ? "" : ",") + rcpt;
  std::string reasons;
  for (const std::string& reason : r.verdict.reasons) reasons += (reasons.empty() ? "" : " ") + reason;
  std::string flags;
  for (const std::string& flag : r.flags) flags += (flags.empty() ? "" : ",") + flag;
  const char* verdict = r.encrypted ? "not_inspected" : control::action_name(r.verdict.action);
  std::fprintf(summary_, "%-13s %s:%u -> %s:%u  from=<%s> to=<%s> size=%llu reply=%d att=%zu urls=%zu%s%s%s%s\n",
               verdict, r.flow.src_ip.c_str(), r.flow.src_port, r.flow.dest_ip.c_str(), r.flow.dest_port,
               r.envelope.mail_from.c_str(), rcpts.c_str(), static_cast<unsigned long long>(r.size),
               r.server_reply, r.attachments.size(), r.urls.size(), reasons.empty() ? "" : "  because: ",
               reasons.c_str(), flags.empty() ? "" : "  flags: ", flags.c_str());
}

}  // namespace sluice::log
