// NestedMessageSink: sits between a child MimeParser (reading a base64/QP-encoded
// message/rfc822 body, MIME-12) and the outer sink, renumbering the child's views
// and parts into the outer message's sequence and passing anomalies up.
#pragma once
#include <cstdint>

#include "scan/mime/anomaly_log.h"
#include "scan/mime/mime_sink.h"

namespace sluice::mime {

class NestedMessageSink : public MimeSink {
 public:
  NestedMessageSink(MimeSink& outer, AnomalyLog& outer_log, uint32_t view_base,
                    uint32_t index_base, uint32_t depth_base)
      : outer_(outer), log_(outer_log), view_base_(view_base), index_base_(index_base),
        depth_base_(depth_base) {}

  // The nested message's headers are not the top-level message's: not passed on.
  void on_view_begin(uint32_t view_id, const PartInfo& part, ViewKind kind) override {
    renumbered_ = part;
    renumbered_.index += index_base_;
    renumbered_.depth += depth_base_;
    outer_.on_view_begin(view_base_ + view_id, renumbered_, kind);
  }
  void on_view_data(uint32_t view_id, std::string_view bytes) override {
    outer_.on_view_data(view_base_ + view_id, bytes);
  }
  void on_view_end(uint32_t view_id) override { outer_.on_view_end(view_base_ + view_id); }
  void on_anomaly(Anomaly a, std::string_view detail) override { log_.raise(a, detail); }

 private:
  MimeSink& outer_;
  AnomalyLog& log_;
  uint32_t view_base_;
  uint32_t index_base_;
  uint32_t depth_base_;
  PartInfo renumbered_;
};

}  // namespace sluice::mime
