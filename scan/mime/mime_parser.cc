#include "scan/mime/mime_parser.h"

#include <algorithm>

#include "scan/mime/delimiter.h"
#include "scan/mime/nested_message_sink.h"
#include "scan/mime/rfc2047.h"

namespace sluice::mime {
namespace {

// A delimiter line must fit in one piece: "--" + boundary + "--" + some padding.
constexpr uint32_t kDelimiterSlack = 8;

bool blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

}  // namespace

MimeParser::MimeParser(const MimeLimits& limits, MimeSink& sink, EntityContext top_context)
    : limits_(limits),
      top_context_(top_context),
      sink_(sink),
      log_(sink),
      splitter_(std::max(limits.max_line_length, limits.max_boundary_length + kDelimiterSlack),
                limits.max_line_length),
      header_(limits_, log_),
      leaf_(limits_, sink, log_, next_view_id_),
      flat_runs_(limits_, sink, next_view_id_),
      alternate_(sink, log_, next_view_id_, parts_) {
  push_entity(PartInfo{}, top_context_, true);
}

MimeParser::~MimeParser() = default;

void MimeParser::feed(std::string_view content) {
  splitter_.feed(content, *this);
  leaf_.flush();
}

void MimeParser::finish() {
  log_.raise_bits(splitter_.finish(*this), "at end of message");
  alternate_.end(false);
  if (flat_.is_open()) {
    flat_runs_.finish();
    flat_.close(sink_, true);
    depth_ = 0;  // the frames under a limit have nothing left to close
    return;
  }
  while (depth_ > 0) close_top(false);
}

void MimeParser::reset() {
  splitter_.reset();
  leaf_.abandon();
  flat_.forget();
  flat_runs_.forget();
  for (size_t i = 0; i < depth_; ++i) frames_[i].raw.forget();
  depth_ = 0;
  parts_ = 0;
  next_view_id_ = 1;
  nested_parser_.reset();
  nested_sink_.reset();
  alternate_.abandon();
  replaying_ = false;
  log_.clear();
  push_entity(PartInfo{}, top_context_, true);
}

void MimeParser::on_line(const LineChunk& chunk) {
  if (chunk.anomalies) log_.raise_bits(chunk.anomalies, "in message content");
  // The alternate reading gets every line after the one that began it, except the
  // delimiter (or next prefix line) that ends it.
  const bool reading = alternate_.active();
  const uint64_t begun = alternate_.readings_begun();
  route(chunk);
  if (reading && alternate_.active() && alternate_.readings_begun() == begun) alternate_.line(chunk);
}

void MimeParser::route(const LineChunk& chunk) {
  if (flat_.is_open()) {
    flat_.line(sink_, chunk);
    flat_runs_.line(chunk);
    return;
  }
  if (chunk.starts_line && take_delimiter(chunk)) return;
  Frame& frame = top();
  if (frame.in_headers) {
    header_line(chunk);
  } else if (frame.shape == BodyShape::Multipart) {
    container_line(frame, chunk);
  } else {
    leaf_.line(chunk);
  }
}

void MimeParser::on_field(std::string_view name, std::string_view value) {
  facts_.record(name, value);
  if (top().info.index != 0) return;
  decoded_header_.clear();
  decode_rfc2047_into(value, decoded_header_);
  for (char& c : decoded_header_)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  sink_.on_top_header(name, value, decoded_header_);
}

void MimeParser::header_line(const LineChunk& chunk) {
  switch (header_.add(chunk, *this)) {
    case HeaderBlock::Step::More: return;
    case HeaderBlock::Step::End: end_headers(); return;
    case HeaderBlock::Step::EndReplayLine:
      end_headers();
      replaying_ = true;
      route(chunk);  // may now be a delimiter of the boundary just declared
      replaying_ = false;
      return;
  }
}

void MimeParser::end_headers() {
  Frame& frame = top();
  frame.in_headers = false;
  resolved_.info.index = frame.info.index;
  resolved_.info.depth = frame.info.depth;
  resolve_part(facts_, limits_, frame.context, resolved_, log_);
  frame.info = resolved_.info;
  frame.shape = resolved_.shape;
  frame.decoding = resolved_.decoding;
  frame.boundaries = resolved_.boundaries;
  frame.digest = resolved_.digest;
  switch (frame.shape) {
    case BodyShape::Leaf: leaf_.begin(frame.info, frame.decoding); break;
    case BodyShape::Multipart: break;  // preamble view opens at its first non-blank line
    case BodyShape::Message: push_entity(frame.info, EntityContext{true, false}, false); break;
    case BodyShape::EncodedMessage: start_encoded_message(frame); break;
  }
}

void MimeParser::container_line(Frame& frame, const LineChunk& chunk) {
  if (!frame.raw.is_open()) {
    if (chunk.starts_line && blank(chunk.text)) return;  // blank lines hide nothing
    frame.raw.open(sink_, next_view_id_++, frame.info);
  }
  frame.raw.line(sink_, chunk);
}

bool MimeParser::take_delimiter(const LineChunk& chunk) {
  const std::string_view line = chunk.text;
  if (line.size() < 2 || line[0] != '-' || line[1] != '-') return false;
  // The best delimiter and the best prefix reading: longest boundary, ties to the innermost.
  struct Best {
    bool found = false;
    size_t level = 0;
    size_t length = 0;
    bool is_close = false;
    void offer(size_t at, size_t len, bool close) {
      if (found && len <= length) return;
      *this = Best{true, at, len, close};
    }
  } delimiter, prefix;
  for (size_t level = depth_; level-- > 0;) {  // innermost first: it wins ties
    const Frame& frame = frames_[level];
    if (frame.in_headers || frame.shape != BodyShape::Multipart) continue;
    for (const std::string& boundary : frame.boundaries) {
      if (!starts_with_dash_boundary(line, boundary)) continue;
      bool is_close = false;
      // A piece of a longer line is never a delimiter (it does not fit the buffer).
      if (delimiter_rest_is_padding(line, boundary, is_close) && chunk.ends_line)
        delimiter.offer(level, boundary.size(), is_close);
      else
        prefix.offer(level, boundary.size(), is_close);
    }
  }
  if (delimiter.found) {
    on_delimiter(delimiter.level, delimiter.is_close);
    return true;
  }
  if (prefix.found && !replaying_) on_boundary_prefix_line(prefix.level, prefix.is_close);
  return false;
}

void MimeParser::on_boundary_prefix_line(size_t level, bool is_close) {
  log_.raise(Anomaly::BoundaryPrefixLine, "line starts with a boundary but is no delimiter");
  // To the prefix reader this line is a delimiter of the multipart at `level`: it
  // ends that multipart's current part (and a reading begun at a deeper level is
  // inside that part); one begun further out is not ended, the line is its data.
  if (alternate_.active()) {
    if (alternate_.level() < level) return;
    alternate_.end(true);
  }
  if (is_close) return;  // what follows is that multipart's epilogue: this reading already scans it
  const Frame& multipart = frames_[level];
  const uint32_t depth = multipart.info.depth + 1;
  if (depth > limits_.max_depth || parts_ >= limits_.max_parts) {
    log_.raise(depth > limits_.max_depth ? Anomaly::DepthLimit : Anomaly::PartLimit,
               "no room left for the boundary-prefix reading");
    return;
  }
  // The part's nested structure counts from zero in the child: give it what is left.
  MimeLimits remaining = limits_;
  remaining.max_depth = limits_.max_depth - depth;
  remaining.max_parts = limits_.max_parts - parts_;
  alternate_.begin(remaining, EntityContext{false, multipart.digest}, depth, level);
}

void MimeParser::on_delimiter(size_t level, bool is_close) {
  // The part a prefix reader opened below this multipart (or a deeper one) ends here too.
  if (alternate_.active() && alternate_.level() >= level) alternate_.end(true);
  while (depth_ - 1 > level) close_top(true);
  Frame& frame = top();
  frame.raw.close(sink_, false);
  if (is_close) {
    frame.in_epilogue = true;
    frame.close_seen = true;
    return;
  }
  if (frame.in_epilogue) {
    log_.raise(Anomaly::PartsAfterClose, "part after the close delimiter");
    frame.in_epilogue = false;
  }
  push_entity(frame.info, EntityContext{false, frame.digest}, false);
}

void MimeParser::push_entity(const PartInfo& parent, EntityContext context, bool top_level) {
  const uint32_t depth = top_level ? 0 : parent.depth + 1;
  if (parts_ >= limits_.max_parts) {
    log_.raise(Anomaly::PartLimit, "max_parts reached; rest scanned flat");
    enter_flat(parent);
    return;
  }
  if (depth > limits_.max_depth) {
    log_.raise(Anomaly::DepthLimit, "max_depth reached; rest scanned flat");
    enter_flat(parent);
    return;
  }
  if (frames_.size() == depth_) frames_.emplace_back();
  Frame& frame = frames_[depth_++];
  frame.info.index = parts_++;
  frame.info.depth = depth;
  frame.info.content_type = context.in_digest ? "message/rfc822" : "text/plain";
  frame.info.charset.clear();
  frame.info.transfer_encoding = "7bit";
  frame.info.filenames.clear();
  frame.info.attachment = false;
  frame.context = context;
  frame.in_headers = true;
  frame.shape = BodyShape::Leaf;
  frame.decoding = TransferDecoding::Identity;
  frame.boundaries.clear();
  frame.digest = false;
  frame.in_epilogue = false;
  frame.close_seen = false;
  header_.begin();
  facts_.clear();
}

void MimeParser::close_top(bool by_delimiter) {
  Frame& frame = top();
  if (frame.in_headers) {
    header_.flush(*this);  // an entity that ended inside its headers has no body
  } else {
    switch (frame.shape) {
      case BodyShape::Leaf: leaf_.end(by_delimiter); break;
      case BodyShape::EncodedMessage:
        leaf_.end(by_delimiter);  // finishes the nested parser
        next_view_id_ += nested_parser_->view_count();
        parts_ += nested_parser_->part_count();
        break;
      case BodyShape::Multipart:
        frame.raw.close(sink_, !by_delimiter);
        if (!frame.close_seen)
          log_.raise(Anomaly::MissingCloseDelimiter, "multipart ended without close delimiter");
        break;
      case BodyShape::Message: break;  // its message frame above was closed already
    }
  }
  --depth_;
}

void MimeParser::enter_flat(const PartInfo& info) {
  flat_.open(sink_, next_view_id_++, info);
  flat_runs_.begin(info);
}

void MimeParser::start_encoded_message(Frame& frame) {
  const uint32_t depth = frame.info.depth + 1;
  if (depth > limits_.max_depth || parts_ >= limits_.max_parts) {
    // No room for the nested structure: still decode it, as one Decoded view.
    log_.raise(depth > limits_.max_depth ? Anomaly::DepthLimit : Anomaly::PartLimit,
               "encoded message/rfc822 scanned undecoded structure");
    frame.shape = BodyShape::Leaf;
    leaf_.begin(frame.info, frame.decoding);
    return;
  }
  // The nested parser counts its own depth and parts from zero: give it what is left.
  MimeLimits nested_limits = limits_;
  nested_limits.max_depth = limits_.max_depth - depth;
  nested_limits.max_parts = limits_.max_parts - parts_;
  nested_sink_ = std::make_unique<NestedMessageSink>(sink_, log_, next_view_id_ - 1, parts_, depth);
  nested_parser_ = std::make_unique<MimeParser>(nested_limits, *nested_sink_);
  leaf_.begin_into(frame.info, frame.decoding, *nested_parser_);
}

}  // namespace sluice::mime
