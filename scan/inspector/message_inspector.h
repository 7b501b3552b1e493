// scan/inspector/message_inspector.h — inspects one message at a time as its content streams in.
//
// Owns: the MIME parser for the message, a pool of ViewScans (one per concurrently open MIME view), the
// message's cycle budget (also handed to the views as a TSC deadline, so archive expansion stops inside one
// call when it is spent), its rule hits, the banned names found and the MessageRecord being built; decides the
// verdict at the end.
// Calls: mime (MimeParser), engine (header rules), ViewScan, BannedNames (through the snapshot), decide_verdict().
// It never holds the message: content goes through in the chunks it arrives in.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/budget.h"
#include "scan/inspector/hit_collector.h"
#include "scan/inspector/message_record.h"
#include "scan/inspector/policy_snapshot.h"
#include "scan/inspector/view_scan.h"
#include "scan/mime/mime_parser.h"

namespace sluice::scan {

class MessageInspector final : private mime::MimeSink {
 public:
  MessageInspector(const PolicySnapshot&, engine::Scratch&);
  ~MessageInspector() override;

  // Starts a message; `record` is filled until finish() and must outlive it.
  void begin(MessageRecord* record);
  void feed(std::string_view content);
  // Completes the record: SMTP outcome, anomalies, verdict.
  void finish(const smtp::MessageEnd&);
  // The sender or a recipient is safelisted: spam scores are still logged but decide nothing (anti-virus,
  // URL and structure checks still apply). Call after begin().
  void skip_antispam() { skip_antispam_ = true; }
  // The wall-clock bound ran out: nothing more is scanned and the message gets scan-timeout-action.
  void stop_scanning() { deadline_passed_ = true; }
  // The wall-clock bound as a TSC reading (0 = none), for the next feed()/finish(): work inside one call (an
  // archive expanding) stops there, not only between calls. The relay passes its verdict-timeout deadline.
  void set_wall_deadline_tsc(uint64_t deadline_tsc) { wall_deadline_tsc_ = deadline_tsc; }

 private:
  void on_top_header(std::string_view name, std::string_view value, std::string_view decoded) override;
  void on_view_begin(uint32_t view_id, const mime::PartInfo&, mime::ViewKind) override;
  void on_view_data(uint32_t view_id, std::string_view bytes) override;
  void on_view_end(uint32_t view_id) override;

  ViewScan* find_view(uint32_t view_id);
  void decide_verdict(const smtp::MessageEnd&);
  // config attachment-filter: every candidate name of a part (MIME-8) or an archive member's name.
  void check_name(std::string_view name);
  void add_banned_reason(std::string reason);   // each reason once, in the order found
  void check_archive_entry_names();
  void check_content_types();
  void arm_call_deadline();

  const PolicySnapshot& snapshot_;
  engine::Scratch& scratch_;
  mime::MimeParser parser_;
  std::vector<std::unique_ptr<ViewScan>> views_;   // pool; grows to the peak number of concurrent views
  std::vector<ViewScan*> open_views_;
  HitCollector hits_;
  std::vector<uint32_t> header_hits_;
  CycleBudget budget_;
  MessageRecord* record_ = nullptr;
  uint64_t fed_bytes_ = 0;
  uint64_t scan_limit_bytes_ = 0;   // oversize-limit: content beyond it is not scanned
  bool oversize_ = false;
  bool skip_antispam_ = false;
  bool deadline_passed_ = false;   // the wall-clock bound, or the budget inside one call, ran out
  uint64_t wall_deadline_tsc_ = 0;
  uint64_t call_deadline_tsc_ = 0;   // this call's end: the budget left or the wall bound, the sooner; 0 = none
  bool scan_errors_ = false;   // a Hyperscan error: that content counts as not scanned (fail closed)
  uint32_t archive_events_ = 0;
  std::vector<std::string> banned_name_reasons_;   // "attachment-filter:<ext>:<name>", each once
  bool truncated_name_ = false;   // an archive member name reached max-name-length (MIME names: FilenameTooLong)
};

}  // namespace sluice::scan
