// RawLineView: one RawAlternate view fed with whole lines (preamble, epilogue,
// the flat rest after a limit). The line end before a delimiter belongs to the
// delimiter (RFC 2046), so each line end is held back until the next line comes.
#pragma once
#include <cstdint>

#include "scan/mime/line_splitter.h"
#include "scan/mime/mime_sink.h"

namespace sluice::mime {

class RawLineView {
 public:
  bool is_open() const { return id_ != 0; }
  void open(MimeSink& sink, uint32_t id, const PartInfo& info) {
    id_ = id;
    pending_eol_ = false;
    sink.on_view_begin(id, info, ViewKind::RawAlternate);
  }
  void line(MimeSink& sink, const LineChunk& chunk) {
    if (pending_eol_) sink.on_view_data(id_, "\r\n");
    if (!chunk.text.empty()) sink.on_view_data(id_, chunk.text);
    pending_eol_ = chunk.has_eol;
  }
  // keep_last_eol: false when a delimiter ends the view (the CRLF is the delimiter's).
  void close(MimeSink& sink, bool keep_last_eol) {
    if (id_ == 0) return;
    if (keep_last_eol && pending_eol_) sink.on_view_data(id_, "\r\n");
    sink.on_view_end(id_);
    id_ = 0;
  }
  void forget() { id_ = 0; }  // reset(): the message was abandoned

 private:
  uint32_t id_ = 0;
  bool pending_eol_ = false;
};

}  // namespace sluice::mime
