// FlatBase64Runs: base64 found in content scanned flat (THREATS RES-14 / MIME-12).
//
// Once max-parts or max-depth stops structure parsing, the rest of the message is one raw view: its part headers
// are no longer read, so a base64 attachment after the limit would be scanned as base64 text and its decoded bytes
// never seen (an open finding: EICAR after 1,000,000 empty parts was delivered under ambiguity-action pass). This
// reader looks at the same flat lines for runs of base64 — consecutive lines made only of the base64 alphabet,
// the first at least kMinRunStartChars long — and decodes each run into a Decoded view of its own, so it is
// scanned (and expanded, if an archive) like the attachment it most likely was.
//
// Bounded: at most MimeLimits::max_flat_decoded_views views; past that, further runs are decoded into the last
// view (each run's decoder restarts, so a run's bytes are still decoded in step). Nothing is allocated per line
// once the decode buffer has grown to the longest line chunk.
// Owns: the run detection and its decoder. Calls: Base64Decoder and the MimeSink.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/mime/base64_decoder.h"
#include "scan/mime/line_splitter.h"
#include "scan/mime/mime_limits.h"
#include "scan/mime/mime_sink.h"
#include "scan/mime/part_info.h"

namespace sluice::mime {

class FlatBase64Runs {
 public:
  // A run starts with a line of at least this many base64 characters (and nothing else). Why 16: shorter
  // alphabet-only lines are common in text (a word, a number), and any base64 attachment's first line is longer
  // (encoders write 60-76 characters); a run's later lines may be of any length (the last one is often short).
  static constexpr size_t kMinRunStartChars = 16;

  FlatBase64Runs(const MimeLimits& limits, MimeSink& sink, uint32_t& next_view_id);

  void begin(const PartInfo& flat_part);  // the flat rest begins (its info names the part it started in)
  void line(const LineChunk& chunk);
  void finish();   // end of message: the open run's view ends
  void forget();   // reset(): forget the open view without callbacks
  uint32_t views_opened() const { return views_; }

 private:
  static bool all_base64(std::string_view text);
  void start_run();
  void end_run();
  void decode(std::string_view text);

  const MimeLimits& limits_;
  MimeSink& sink_;
  uint32_t& next_view_id_;
  PartInfo info_;            // the views' part: the flat part, relabelled as a base64 attachment
  Base64Decoder decoder_;
  std::string decoded_;      // capacity kept
  uint32_t view_id_ = 0;     // 0: no view open
  uint32_t views_ = 0;
  bool in_run_ = false;
  bool line_broke_run_ = false;  // this line already ended the run (a non-alphabet piece): not a new run
};

}  // namespace sluice::mime
