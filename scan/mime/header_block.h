// HeaderBlock: reads the lines of one header block and hands out unfolded fields.
// Bounded by MimeLimits::max_header_bytes; holds one field at a time. Raises
// anomalies through AnomalyLog; calls the field handler it is given.
//
// Policy (MIME-6/7):
//  - the block ends at the first empty line; a whitespace-only line also ends it
//    (ObsoleteHeaderSyntax: some parsers read it as folding);
//  - a line without a colon (or with an invalid field name) ends the block and is
//    replayed as the first body line (HeaderWithoutColon). This is what Postfix
//    does, so the backend agrees, and it puts the line under scanning as body;
//  - `Name :value` (space before the colon) is accepted and flagged;
//  - a block over the byte limit ends there (HeaderTooLong); the rest is body.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/mime/anomaly_log.h"
#include "scan/mime/line_splitter.h"
#include "scan/mime/mime_limits.h"

namespace sluice::mime {

class HeaderFieldHandler {
 public:
  virtual ~HeaderFieldHandler() = default;
  // name as written (trimmed); value unfolded, outer whitespace trimmed.
  virtual void on_field(std::string_view name, std::string_view value) = 0;
};

class HeaderBlock {
 public:
  enum class Step {
    More,           // the line belonged to the block
    End,            // the line ended the block and is consumed
    EndReplayLine,  // the block ended before this line: it is body
  };

  HeaderBlock(const MimeLimits& limits, AnomalyLog& log);
  void begin();
  Step add(const LineChunk& chunk, HeaderFieldHandler& handler);
  // Ends the block early (end of input or a delimiter): hands out the last field.
  void flush(HeaderFieldHandler& handler);

 private:
  Step start_field(std::string_view line, HeaderFieldHandler& handler);

  const MimeLimits& limits_;
  AnomalyLog& log_;
  std::string field_;        // "Name" + value bytes, unfolded
  size_t name_length_ = 0;
  uint64_t block_bytes_ = 0;
  bool has_field_ = false;
};

}  // namespace sluice::mime
