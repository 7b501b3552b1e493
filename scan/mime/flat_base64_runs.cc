#include "scan/mime/flat_base64_runs.h"

namespace sluice::mime {
namespace {

bool is_base64_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=';
}

// Trailing blanks are what MTAs and editors add; they do not make a base64 line text.
std::string_view trim_trailing_blanks(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

FlatBase64Runs::FlatBase64Runs(const MimeLimits& limits, MimeSink& sink, uint32_t& next_view_id)
    : limits_(limits), sink_(sink), next_view_id_(next_view_id) {}

bool FlatBase64Runs::all_base64(std::string_view text) {
  for (unsigned char c : text) {
    if (!is_base64_char(c)) return false;
  }
  return true;
}

void FlatBase64Runs::begin(const PartInfo& flat_part) {
  info_ = flat_part;
  info_.content_type = "application/octet-stream";
  info_.charset.clear();
  info_.transfer_encoding = "base64";
  info_.filenames.clear();
  info_.attachment = true;
  view_id_ = 0;
  views_ = 0;
  in_run_ = false;
  decoder_.reset();
}

void FlatBase64Runs::line(const LineChunk& chunk) {
  const std::string_view text = trim_trailing_blanks(chunk.text);
  if (chunk.starts_line) line_broke_run_ = false;
  const bool alphabet_only = !text.empty() && all_base64(text);
  if (in_run_) {
    if (alphabet_only) {
      decode(text);
      return;
    }
    end_run();
    // A line that turned out not to be base64 halfway through cannot start a run either.
    line_broke_run_ = !chunk.starts_line;
  }
  if (!chunk.starts_line || line_broke_run_ || !alphabet_only || text.size() < kMinRunStartChars) return;
  start_run();
  decode(text);
}

void FlatBase64Runs::start_run() {
  in_run_ = true;
  decoder_.reset();
  if (view_id_ != 0) return;  // past the view limit: this run joins the last view
  view_id_ = next_view_id_++;
  ++views_;
  sink_.on_view_begin(view_id_, info_, ViewKind::Decoded);
}

void FlatBase64Runs::decode(std::string_view text) {
  decoded_.clear();
  decoder_.feed(text, decoded_);
  if (!decoded_.empty()) sink_.on_view_data(view_id_, decoded_);
}

void FlatBase64Runs::end_run() {
  in_run_ = false;
  decoded_.clear();
  decoder_.finish(decoded_);
  if (!decoded_.empty()) sink_.on_view_data(view_id_, decoded_);
  if (views_ < limits_.max_flat_decoded_views) {
    sink_.on_view_end(view_id_);
    view_id_ = 0;
  }
}

void FlatBase64Runs::finish() {
  if (in_run_) end_run();
  if (view_id_ != 0) sink_.on_view_end(view_id_);
  view_id_ = 0;
}

void FlatBase64Runs::forget() {
  view_id_ = 0;
  in_run_ = false;
}

}  // namespace sluice::mime
