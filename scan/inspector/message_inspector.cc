#include "scan/inspector/message_inspector.h"

#include <algorithm>
#include <optional>

#include "scan/archive/archive_expander.h"
#include "scan/inspector/component_limits.h"
#include "scan/engine/engine.h"

namespace sluice::scan {
namespace {

constexpr size_t kMaxHeaderValueLogged = 998;   // RFC 5322 line limit: enough for Subject/Message-ID

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// Anomalies that are structural limits rather than disagreements still deserve the ambiguity action:
// content past them was not parsed the way an MUA would (THREATS MIME-12: depth limit → 5xx, not 250).
// The record carries the sniffed type by name (engine::content_type_name).
bool banned_executable_type(std::string_view detected_type) {
  for (engine::ContentType t : {engine::ContentType::Pe, engine::ContentType::Elf, engine::ContentType::MachO}) {
    if (detected_type == engine::content_type_name(t)) return true;
  }
  return false;
}

bool needs_ambiguity_action(mime::Anomaly a) {
  return mime::is_ambiguity(a) || a == mime::Anomaly::DepthLimit || a == mime::Anomaly::PartLimit ||
         a == mime::Anomaly::PartialOrExternal;
}

// Layers may name the same symptom alike (SMTP and MIME both see long lines): each name is logged once.
template <typename Enum, typename NameFn>
void append_flag_names(uint32_t bits, NameFn name, std::vector<std::string>& out) {
  for (uint32_t bit = 1; bit != 0 && bit <= bits; bit <<= 1) {
    if (!(bits & bit)) continue;
    const std::string_view flag = name(static_cast<Enum>(bit));
    if (std::find(out.begin(), out.end(), flag) == out.end()) out.emplace_back(flag);
  }
}

}  // namespace

MessageInspector::MessageInspector(const PolicySnapshot& snapshot, engine::Scratch& scratch)
    : snapshot_(snapshot), scratch_(scratch), parser_(mime_limits_from(snapshot.policy.mime), *this) {}

MessageInspector::~MessageInspector() = default;

void MessageInspector::begin(MessageRecord* record) {
  record_ = record;
  parser_.reset();
  open_views_.clear();
  hits_.reset(snapshot_.database.get(), record);
  budget_.reset(snapshot_.policy.scan.cycles_per_message);
  fed_bytes_ = 0;
  scan_limit_bytes_ = static_cast<uint64_t>(snapshot_.policy.smtp.oversize_limit_mb) << 20;
  oversize_ = false;
  scan_errors_ = false;
  skip_antispam_ = false;
  deadline_passed_ = false;
  wall_deadline_tsc_ = 0;
  call_deadline_tsc_ = 0;
  archive_events_ = 0;
  banned_name_reasons_.clear();
  truncated_name_ = false;
}

void MessageInspector::feed(std::string_view content) {
  if (budget_.exhausted() || oversize_ || deadline_passed_) return;
  if (fed_bytes_ + content.size() > scan_limit_bytes_) {
    oversize_ = true;  // FortiOS semantics: above the oversize limit the message is not scanned further
    content = content.substr(0, scan_limit_bytes_ - fed_bytes_);
  }
  fed_bytes_ += content.size();
  ScopedCharge charge(budget_);
  arm_call_deadline();
  parser_.feed(content);
}

// The budget is charged once a call returns, but one call may expand an archive for seconds (RES-16): the
// views get the budget's end as a TSC deadline for this call, and the wall bound if that comes sooner. Read
// after the ScopedCharge started, so a call that reaches the deadline has always spent the budget too.
void MessageInspector::arm_call_deadline() {
  call_deadline_tsc_ = wall_deadline_tsc_;
  if (budget_.limit() == 0) return;
  const uint64_t budget_end = read_cycles() + (budget_.limit() - budget_.spent());   // not exhausted: no underflow
  if (call_deadline_tsc_ == 0 || budget_end < call_deadline_tsc_) call_deadline_tsc_ = budget_end;
}

void MessageInspector::finish(const smtp::MessageEnd& end) {
  if (!budget_.exhausted() && !deadline_passed_) {
    ScopedCharge charge(budget_);
    arm_call_deadline();
    parser_.finish();
  }
  // Views left open by a budget stop are closed without further scanning cost being charged.
  while (!open_views_.empty()) on_view_end(open_views_.back()->view_id());
  record_->complete = end.complete;
  record_->server_reply = end.final_reply_code;
  record_->server_reply_text = end.final_reply_text;
  record_->size = end.size;
  record_->cycles = budget_.spent();
  record_->scan_timeout = budget_.exhausted() || deadline_passed_;
  append_flag_names<smtp::SessionFlag>(end.flags, smtp::session_flag_name, record_->flags);
  append_flag_names<mime::Anomaly>(parser_.anomalies(), mime::anomaly_name, record_->flags);
  append_flag_names<archive::ArchiveEvent>(archive_events_, archive::archive_event_name, record_->flags);
  check_archive_entry_names();
  check_content_types();
  if (oversize_) record_->flags.emplace_back("oversize");
  if (record_->scan_timeout) record_->flags.emplace_back("scan_timeout");
  if (scan_errors_) record_->flags.emplace_back("scan_error");
  decide_verdict(end);
  record_ = nullptr;
}

void MessageInspector::decide_verdict(const smtp::MessageEnd& end) {
  const control::Policy& p = snapshot_.policy;
  Verdict& v = record_->verdict;
  for (const HitRecord& h : record_->hits) {
    if (h.kind == "body_signature" || h.kind == "hash_signature") {
      v.apply(p.antivirus.action, "antivirus:" + h.name);
    } else {
      record_->spam_score += h.score;
    }
  }
  if (skip_antispam_) {
    if (record_->spam_score >= p.spam.tag_threshold) record_->flags.emplace_back("antispam_skipped_safelist");
  } else if (record_->spam_score >= p.spam.reject_threshold) {
    v.apply(control::Action::Reject, "spam:score=" + std::to_string(record_->spam_score));
  } else if (record_->spam_score >= p.spam.tag_threshold) {
    v.apply(control::Action::Tag, "spam:score=" + std::to_string(record_->spam_score));
  }
  for (const UrlRecord& u : record_->urls) {
    if (!u.listed.empty()) v.apply(p.url_filter.action, "url:" + u.listed);
  }
  for (uint32_t bit = 1; bit != 0; bit <<= 1) {
    const auto a = static_cast<mime::Anomaly>(bit);
    if ((parser_.anomalies() & bit) && needs_ambiguity_action(a)) {
      v.apply(p.mime.ambiguity_action, std::string("mime:") + mime::anomaly_name(a));
    }
  }
  if (archive::is_bomb(archive_events_)) v.apply(p.archive.bomb_action, "archive:bomb");
  if (archive_events_ & static_cast<uint32_t>(archive::ArchiveEvent::Encrypted)) {
    v.apply(p.archive.encrypted_action, "archive:encrypted");
  }
  if (archive_events_ & static_cast<uint32_t>(archive::ArchiveEvent::BufferLimit)) {
    v.apply(p.archive.buffer_limit_action, "archive:buffer_limit");
  }
  if (p.attachment_filter.enabled) {
    for (const std::string& reason : banned_name_reasons_) v.apply(p.attachment_filter.action, reason);
    // A cut name lost its end, and with it the extension the policy would have judged (MIME-8: 1,000 characters).
    if (truncated_name_ || (parser_.anomalies() & static_cast<uint32_t>(mime::Anomaly::FilenameTooLong))) {
      v.apply(p.attachment_filter.truncated_name_action, "attachment-filter:truncated");
    }
  }
  if (record_->scan_timeout) v.apply(p.scan.scan_timeout_action, "scan:timeout");
  if (scan_errors_) v.apply(p.scan.scan_timeout_action, "scan:error");
  if (oversize_) v.apply(p.smtp.oversize_action, "smtp:oversize");
  if ((end.flags & static_cast<uint32_t>(smtp::SessionFlag::SmugglingSequence)) &&
      p.smtp.bare_newline == control::BareNewlinePolicy::Reject) {
    v.apply(control::Action::Reject, "smtp:smuggling_sequence");
  }
}

void MessageInspector::on_top_header(std::string_view name, std::string_view value, std::string_view decoded) {
  const auto keep = [](std::string_view s) { return std::string(s.substr(0, kMaxHeaderValueLogged)); };
  if (iequals(name, "Subject") && record_->subject.empty()) record_->subject = keep(decoded);
  if (iequals(name, "Message-ID") && record_->message_id.empty()) record_->message_id = keep(value);
  if (iequals(name, "From") && record_->from.empty()) record_->from = keep(decoded);
  header_hits_.clear();
  if (!engine::scan_header(*snapshot_.database, scratch_, name, decoded, header_hits_)) scan_errors_ = true;
  hits_.add(header_hits_, std::string(name));
}

void MessageInspector::check_name(std::string_view name) {
  const std::optional<std::string> extension = snapshot_.banned_names.banned_extension(name);
  if (!extension) return;
  add_banned_reason(BannedNames::reason(*extension, name));
}

void MessageInspector::add_banned_reason(std::string reason) {
  if (std::find(banned_name_reasons_.begin(), banned_name_reasons_.end(), reason) == banned_name_reasons_.end()) {
    banned_name_reasons_.push_back(std::move(reason));
  }
}

// Archive members are in the record by now (each view adds its entries as they end), names sanitised and cut to
// archive max-name-length by the expander.
void MessageInspector::check_archive_entry_names() {
  const control::Policy& p = snapshot_.policy;
  if (!p.attachment_filter.enabled || !p.attachment_filter.archive_entries) return;
  for (const AttachmentRecord& a : record_->attachments) {
    if (a.depth == 0) continue;
    check_name(a.name);
    if (a.name.size() >= p.archive.max_name_length) truncated_name_ = true;
  }
}

// The type a file's bytes say it is, whatever its name says (THREATS MIME-8: an executable named invoice.pdf, an ISO
// named .img). Every attachment and archive member is in the record with the type its first bytes sniffed as.
void MessageInspector::check_content_types() {
  const control::AttachmentFilterSettings& f = snapshot_.policy.attachment_filter;
  if (!f.enabled) return;
  bool image_named = false;
  for (const AttachmentRecord& a : record_->attachments) {
    if (a.depth > 0 && !f.archive_entries) continue;
    const bool executable = f.executable_content && banned_executable_type(a.detected_type);
    const bool image = f.disk_image_content && a.detected_type == engine::content_type_name(engine::ContentType::DiskImage);
    if (!executable && !image) continue;
    image_named = image_named || image;
    const std::string name = a.name.empty() ? (a.container.empty() ? "unnamed" : a.container) : a.name;
    add_banned_reason(BannedNames::reason("content:" + a.detected_type, name));
  }
  // An ISO 9660 image is recognised 32 KiB in, by the archive expander (the sniffer sees only zeros there).
  if (f.disk_image_content && !image_named && (archive_events_ & static_cast<uint32_t>(archive::ArchiveEvent::DiskImage))) {
    add_banned_reason("attachment-filter:content:disk-image");
  }
}

ViewScan* MessageInspector::find_view(uint32_t view_id) {
  for (ViewScan* v : open_views_) {
    if (v->view_id() == view_id) return v;
  }
  return nullptr;
}

void MessageInspector::on_view_begin(uint32_t view_id, const mime::PartInfo& part, mime::ViewKind kind) {
  // Every view of a part carries its names (the raw alternate of an ambiguous part too): each candidate counts.
  for (const std::string& name : part.filenames) check_name(name);
  ViewScan* free_view = nullptr;
  for (auto& v : views_) {
    if (std::find(open_views_.begin(), open_views_.end(), v.get()) == open_views_.end()) {
      free_view = v.get();
      break;
    }
  }
  if (!free_view) {
    views_.push_back(std::make_unique<ViewScan>(snapshot_, scratch_));
    free_view = views_.back().get();
  }
  free_view->begin(view_id, part, kind, record_, &hits_);
  open_views_.push_back(free_view);
}

void MessageInspector::on_view_data(uint32_t view_id, std::string_view bytes) {
  if (budget_.exhausted() || deadline_passed_) return;
  if (ViewScan* v = find_view(view_id)) v->feed(bytes, call_deadline_tsc_);
  // The expander stops at the deadline by itself (archive event time_limit); nothing after it is scanned.
  if (call_deadline_tsc_ != 0 && read_cycles() >= call_deadline_tsc_) deadline_passed_ = true;
}

void MessageInspector::on_view_end(uint32_t view_id) {
  ViewScan* v = find_view(view_id);
  if (!v) return;
  v->end();
  archive_events_ |= v->archive_events();
  scan_errors_ = scan_errors_ || v->scan_error();
  open_views_.erase(std::find(open_views_.begin(), open_views_.end(), v));
}

}  // namespace sluice::scan
