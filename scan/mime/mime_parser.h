// MimeParser: incremental MIME parser for one message at a time (scan/mime's entry
// point). Owns the line splitter, the header block reader, the entity stack, the
// leaf views and the alternate reading of a boundary-prefix line; calls only its
// MimeSink (a child parser's output reaches it through a renumbering sink).
// Never holds the whole message: one line (max(max_line_length,
// max_boundary_length + 8) bytes) and one header field at a time, per reading.
//
// Documented rules (THREATS 3; README.md says the same):
//  - Union rule: wherever two reasonable parsers disagree we scan every reading,
//    or flag an Anomaly for which is_ambiguity() is true.
//  - CTE: valid RFC 2045 tokens (case-insensitive, folded, comments stripped,
//    "Name :" accepted + ObsoleteHeaderSyntax) decode into one Decoded view.
//    Two CTE headers that differ, several tokens (`base64 quoted-printable`,
//    `bas()e64`) or unknown ones (`x-base64`, `"base64"`) open three views,
//    RawAlternate + Base64Alternate + QpAlternate, and flag
//    ConflictingTransferEncoding / UnknownTransferEncoding.
//  - Several Content-Type headers: the most structured reading wins (multipart,
//    then message/*, then the first valid one) + DuplicateContentType. Every
//    boundary parameter of every Content-Type (plain and RFC 2231) is live, and
//    the readings other parsers take of it (trimmed, first word, 'quotes'
//    removed, RFC 2047-decoded); more than one parameter -> DuplicateBoundary.
//  - Delimiter: "--" + boundary at line start, optional "--", then only SP/HT.
//    Among all live boundaries of all open multiparts the longest match wins;
//    on a tie the innermost. Parts still open below the matched multipart end
//    there (unclosed multiparts flag MissingCloseDelimiter). A delimiter line
//    longer than the line buffer is not recognised (flagged LongLine).
//  - A line that starts with "--" + a live boundary but is no delimiter
//    ("--b\v", "--bX", a delimiter longer than the line buffer) is data here and
//    a delimiter to prefix-matching or isspace()-trimming readers: flagged
//    BoundaryPrefixLine, and that reading is scanned too (AlternateReading: the
//    lines after it parsed as a new part of the multipart whose boundary is the
//    longest prefix, until a real delimiter at that level or above). A boundary
//    that is a prefix of a longer one ("b" outside "b2") is no such line: a line
//    that is exactly a delimiter of any live boundary is never flagged.
//  - message/rfc822, message/global and multipart/digest children are parsed as
//    messages; under base64/QP (forbidden, MUAs decode it) the body is decoded
//    and parsed by a child parser + EncodedRfc822.
//  - Preamble, epilogue and parts after the close delimiter are scanned: the
//    first two as RawAlternate views of the container (opened at the first line
//    that is not blank), the last as parts + PartsAfterClose.
//  - multipart without a usable boundary -> MissingBoundary, one text part.
//  - Base64 ignores bytes outside the alphabet (Base64Garbage) and continues
//    after padding; QP keeps invalid escapes literally (QpInvalid); soft breaks
//    are `=\r\n`, `=\n`, `=` + SP/HT + line end.
//  - Depth above max_depth or parts above max_parts: structure parsing stops and
//    the rest of the message is one RawAlternate view (DepthLimit / PartLimit).
//  - Header block: ends at the first empty line, or a whitespace-only one
//    (ObsoleteHeaderSyntax); a line without a field name ends it and is body
//    (HeaderWithoutColon, as Postfix reads it); bare CR ends a line everywhere
//    (BareCr) so `X-Foo: bar\rContent-Type: ...` yields two fields.
//  - Views see line ends as CRLF (the proxy forwards CRLF). The line end before
//    a delimiter belongs to the delimiter and is not part of the view.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/mime/alternate_reading.h"
#include "scan/mime/anomaly_log.h"
#include "scan/mime/flat_base64_runs.h"
#include "scan/mime/header_block.h"
#include "scan/mime/leaf_views.h"
#include "scan/mime/line_splitter.h"
#include "scan/mime/mime_limits.h"
#include "scan/mime/mime_sink.h"
#include "scan/mime/part_headers.h"
#include "scan/mime/raw_line_view.h"

namespace sluice::mime {

class NestedMessageSink;

class MimeParser : private LineHandler, private HeaderFieldHandler {
 public:
  // top_context: what the first entity is; a message unless this parser reads an
  // AlternateReading's body part.
  MimeParser(const MimeLimits& limits, MimeSink& sink,
             EntityContext top_context = EntityContext{true, false});
  ~MimeParser() override;
  MimeParser(const MimeParser&) = delete;
  MimeParser& operator=(const MimeParser&) = delete;

  void feed(std::string_view content);  // any chunking
  void finish();                        // end of message: closes views, flags missing delimiters
  void reset();                         // reuse for the next message (keeps buffers' capacity)
  uint32_t anomalies() const { return log_.bits(); }
  uint32_t part_count() const { return parts_; }
  uint32_t view_count() const { return next_view_id_ - 1; }  // view ids run 1..view_count()

 private:
  // One entity on the open path from the top-level message to the current part.
  struct Frame {
    PartInfo info;
    EntityContext context;
    bool in_headers = true;
    BodyShape shape = BodyShape::Leaf;
    TransferDecoding decoding = TransferDecoding::Identity;
    std::vector<std::string> boundaries;
    bool digest = false;
    bool in_epilogue = false;  // after a close delimiter
    bool close_seen = false;
    RawLineView raw;           // preamble / epilogue of a multipart
  };

  void on_line(const LineChunk& chunk) override;
  void on_field(std::string_view name, std::string_view value) override;

  void route(const LineChunk& chunk);
  void header_line(const LineChunk& chunk);
  void end_headers();
  void container_line(Frame& frame, const LineChunk& chunk);
  // Acts on a line that begins "--" + a live boundary: a delimiter (returns true) or a
  // boundary-prefix line (flagged, alternate reading begun; returns false: it is data).
  bool take_delimiter(const LineChunk& chunk);
  void on_boundary_prefix_line(size_t level, bool is_close);
  void on_delimiter(size_t level, bool is_close);
  // Opens a child entity of `parent`, or the flat rest when a limit is reached.
  void push_entity(const PartInfo& parent, EntityContext context, bool top_level);
  void close_top(bool by_delimiter);
  void enter_flat(const PartInfo& info);
  void start_encoded_message(Frame& frame);
  Frame& top() { return frames_[depth_ - 1]; }

  const MimeLimits limits_;
  const EntityContext top_context_;
  MimeSink& sink_;
  AnomalyLog log_;
  LineSplitter splitter_;
  HeaderBlock header_;
  HeaderFacts facts_;
  ResolvedPart resolved_;
  // Slots are reused across parts and messages; frames_[0..depth_) are open. A deque
  // keeps references to open frames valid while a child is pushed.
  std::deque<Frame> frames_;
  size_t depth_ = 0;
  uint32_t parts_ = 0;
  uint32_t next_view_id_ = 1;
  LeafViews leaf_;
  RawLineView flat_;  // open once a limit stopped structure parsing
  FlatBase64Runs flat_runs_;  // base64 inside that flat rest, decoded (RES-14)
  std::string decoded_header_;
  std::unique_ptr<NestedMessageSink> nested_sink_;
  std::unique_ptr<MimeParser> nested_parser_;
  AlternateReading alternate_;  // the other reading of a boundary-prefix line
  bool replaying_ = false;      // a header-ending line routed again: already examined once
};

}  // namespace sluice::mime
