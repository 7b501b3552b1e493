// The second reading of a boundary-prefix line; see alternate_reading.h.
#include "scan/mime/alternate_reading.h"

#include <algorithm>

#include "scan/mime/mime_parser.h"

namespace sluice::mime {
namespace {

constexpr uint32_t kNoIndex = UINT32_MAX;

}  // namespace

AlternateReading::AlternateReading(MimeSink& outer, AnomalyLog& outer_log, uint32_t& next_view_id,
                                   uint32_t& parts)
    : outer_(outer), log_(outer_log), next_view_id_(next_view_id), parts_(parts) {}

AlternateReading::~AlternateReading() = default;

void AlternateReading::begin(const MimeLimits& limits, EntityContext context, uint32_t depth_base, size_t level) {
  level_ = level;
  depth_base_ = depth_base;
  pending_eol_ = false;  // the prefix line's own line end is its delimiter's
  open_views_.clear();
  part_index_.clear();
  ++readings_begun_;
  child_ = std::make_unique<MimeParser>(limits, static_cast<MimeSink&>(*this), context);
}

void AlternateReading::line(const LineChunk& chunk) {
  bytes_.clear();
  if (pending_eol_) bytes_.append("\r\n");
  bytes_.append(chunk.text);
  pending_eol_ = chunk.has_eol;
  child_->feed(bytes_);
}

void AlternateReading::end(bool by_delimiter) {
  if (!child_) return;
  if (!by_delimiter && pending_eol_) child_->feed("\r\n");
  child_->finish();
  child_.reset();
}

void AlternateReading::abandon() { child_.reset(); }

void AlternateReading::on_view_begin(uint32_t view_id, const PartInfo& part, ViewKind kind) {
  const uint32_t id = next_view_id_++;
  open_views_.emplace_back(view_id, id);
  renumbered_ = part;
  renumbered_.index = outer_index(part.index);
  renumbered_.depth += depth_base_;
  outer_.on_view_begin(id, renumbered_, kind);
}

void AlternateReading::on_view_data(uint32_t view_id, std::string_view bytes) {
  outer_.on_view_data(outer_view(view_id), bytes);
}

void AlternateReading::on_view_end(uint32_t view_id) {
  const auto it = std::find_if(open_views_.begin(), open_views_.end(),
                               [view_id](const auto& v) { return v.first == view_id; });
  if (it == open_views_.end()) return;
  outer_.on_view_end(it->second);
  open_views_.erase(it);
}

uint32_t AlternateReading::outer_view(uint32_t child_view) const {
  for (const auto& [child, outer] : open_views_)
    if (child == child_view) return outer;
  return 0;  // not reached: the child only writes to views it opened
}

uint32_t AlternateReading::outer_index(uint32_t child_index) {
  // Child indices are dense (the child counts its parts from 0, bounded by its max_parts).
  if (part_index_.size() <= child_index) part_index_.resize(child_index + 1, kNoIndex);
  if (part_index_[child_index] == kNoIndex) part_index_[child_index] = parts_++;
  return part_index_[child_index];
}

}  // namespace sluice::mime
