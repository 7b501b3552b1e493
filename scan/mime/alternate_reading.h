// AlternateReading: the second reading of a boundary-prefix line (THREATS MIME-4). A line that starts with
// "--<boundary>" but is not exactly a delimiter ("--b\v", "--bX") is data to Sluice (RFC 2046 §5.1.1), yet a
// reader that trims isspace() or matches boundaries as prefixes starts a new body part there. The parser keeps
// the line as data in its own reading and flags BoundaryPrefixLine; this class reads the other way at the same
// time: the lines after the prefix line go to a child MimeParser as the headers and body of a new part, until a
// real delimiter of the same multipart or an enclosing one (or another prefix line at that level) ends it, as it
// would end that part for the prefix reader. The union rule (README.md): every reading is scanned.
// The child's views and parts are renumbered into the outer message's sequence (view ids and part indices taken
// from the outer counters, so they never collide with the outer reading's), depths are shifted below the
// multipart, and its anomalies are raised in the outer log. One reading at a time; the child may start its own
// for its own boundaries, bounded by max_depth like any nesting.
// Calls: the child MimeParser, the outer sink, the outer AnomalyLog.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/mime/anomaly_log.h"
#include "scan/mime/line_splitter.h"
#include "scan/mime/mime_limits.h"
#include "scan/mime/mime_sink.h"
#include "scan/mime/part_headers.h"

namespace sluice::mime {

class MimeParser;

class AlternateReading : private MimeSink {
 public:
  AlternateReading(MimeSink& outer, AnomalyLog& outer_log, uint32_t& next_view_id, uint32_t& parts);
  ~AlternateReading() override;
  AlternateReading(const AlternateReading&) = delete;
  AlternateReading& operator=(const AlternateReading&) = delete;

  bool active() const { return child_ != nullptr; }
  // Frame level of the multipart whose delimiter the prefix line would be (valid while active()).
  size_t level() const { return level_; }
  // Counts begin() calls: lets the parser tell whether routing a line began a new reading.
  uint64_t readings_begun() const { return readings_begun_; }

  // Starts reading the lines that follow as one body part of the multipart at `level`. `limits` are what is left
  // of the message's (max_depth and max_parts already reduced by the caller); `depth_base` is the part's depth.
  void begin(const MimeLimits& limits, EntityContext context, uint32_t depth_base, size_t level);
  void line(const LineChunk& chunk);
  // by_delimiter: the last line end belongs to the delimiter that ended the part, not to the part.
  void end(bool by_delimiter);
  void abandon();  // reset(): the message was abandoned, no callbacks

 private:
  void on_view_begin(uint32_t view_id, const PartInfo& part, ViewKind kind) override;
  void on_view_data(uint32_t view_id, std::string_view bytes) override;
  void on_view_end(uint32_t view_id) override;
  void on_anomaly(Anomaly a, std::string_view detail) override { log_.raise(a, detail); }
  uint32_t outer_view(uint32_t child_view) const;
  uint32_t outer_index(uint32_t child_index);

  MimeSink& outer_;
  AnomalyLog& log_;
  uint32_t& next_view_id_;  // the outer parser's counters
  uint32_t& parts_;
  std::unique_ptr<MimeParser> child_;
  size_t level_ = 0;
  uint32_t depth_base_ = 0;
  uint64_t readings_begun_ = 0;
  bool pending_eol_ = false;  // the last line's end, handed on only when another line follows
  std::string bytes_;         // one line for the child, capacity kept
  // Open child views (child id, outer id): a handful at once, one per open container plus a leaf's few.
  std::vector<std::pair<uint32_t, uint32_t>> open_views_;
  std::vector<uint32_t> part_index_;  // child part index -> outer index (kNoIndex until seen)
  PartInfo renumbered_;
};

}  // namespace sluice::mime
