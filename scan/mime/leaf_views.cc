#include "scan/mime/leaf_views.h"

#include "scan/mime/filename_sanitiser.h"
#include "scan/mime/mime_parser.h"

namespace sluice::mime {

LeafViews::LeafViews(const MimeLimits& limits, MimeSink& sink, AnomalyLog& log,
                     uint32_t& next_view_id)
    : limits_(limits), sink_(sink), log_(log), next_view_id_(next_view_id) {}

void LeafViews::open(Slot& slot, ViewKind kind) {
  slot.id = next_view_id_++;
  slot.to_child = false;
  const PartInfo& info = kind == ViewKind::Uuencoded ? uu_info_
                         : kind == ViewKind::Yenc   ? yenc_info_
                         : kind == ViewKind::Binhex ? binhex_info_
                                                    : info_;
  sink_.on_view_begin(slot.id, info, kind);
}

void LeafViews::begin(const PartInfo& info, TransferDecoding decoding) {
  info_ = info;
  child_ = nullptr;
  pending_eol_ = false;
  base64_decoder_.reset();
  qp_decoder_.reset();
  uu_decoder_.reset();
  yenc_decoder_.reset();
  binhex_decoder_.reset();
  const bool declares_binhex = info.declares_binhex() || decoding == TransferDecoding::Binhex;
  if (declares_binhex) binhex_decoder_.expect_block();
  binhex_stream_ =
      declares_binhex && (decoding == TransferDecoding::Base64 || decoding == TransferDecoding::QuotedPrintable);
  binhex_line_start_ = true;
  strict_ = decoding != TransferDecoding::Ambiguous;
  switch (decoding) {
    case TransferDecoding::Identity:
    case TransferDecoding::Uuencode:  // text as written; the uu block gets its own view
    case TransferDecoding::Binhex:    // text as written; the BinHex block gets its own views
      open(raw_, ViewKind::Decoded);
      break;
    case TransferDecoding::Base64: open(base64_, ViewKind::Decoded); break;
    case TransferDecoding::QuotedPrintable: open(qp_, ViewKind::Decoded); break;
    case TransferDecoding::Ambiguous:
      open(raw_, ViewKind::RawAlternate);
      open(base64_, ViewKind::Base64Alternate);
      open(qp_, ViewKind::QpAlternate);
      break;
  }
}

void LeafViews::begin_into(const PartInfo& info, TransferDecoding decoding, MimeParser& child) {
  info_ = info;
  child_ = &child;
  pending_eol_ = false;
  binhex_stream_ = false;
  base64_decoder_.reset();
  qp_decoder_.reset();
  strict_ = true;
  Slot& slot = decoding == TransferDecoding::Base64 ? base64_ : qp_;
  slot.id = 0;
  slot.to_child = true;
}

void LeafViews::deliver(Slot& slot, std::string_view bytes) {
  if (bytes.empty()) return;
  if (slot.to_child) {
    child_->feed(bytes);
    return;
  }
  slot.batch.append(bytes);
  if (slot.batch.size() >= kBatchBytes) flush(slot);
}

void LeafViews::flush(Slot& slot) {
  if (slot.id == 0 || slot.batch.empty()) return;
  sink_.on_view_data(slot.id, slot.batch);
  slot.batch.clear();
}

void LeafViews::flush() {
  flush(raw_);
  flush(base64_);
  flush(qp_);
  flush(uu_);
  flush(yenc_);
  flush(binhex_);
  flush(binhex_rsrc_);
}

void LeafViews::forget(Slot& slot) {
  slot.id = 0;
  slot.to_child = false;
  slot.batch.clear();
}

void LeafViews::write(std::string_view bytes) {
  if (raw_.id) deliver(raw_, bytes);
  if (base64_.id || base64_.to_child) {
    decoded_.clear();
    base64_decoder_.feed(bytes, decoded_);
    deliver(base64_, decoded_);
    if (binhex_stream_) scan_binhex_stream(decoded_);
    if (strict_ && base64_decoder_.saw_garbage())
      log_.raise(Anomaly::Base64Garbage, "bytes outside the base64 alphabet ignored");
  }
  if (qp_.id || qp_.to_child) {
    decoded_.clear();
    qp_decoder_.feed(bytes, decoded_);
    deliver(qp_, decoded_);
    if (binhex_stream_) scan_binhex_stream(decoded_);
    if (strict_ && qp_decoder_.saw_invalid())
      log_.raise(Anomaly::QpInvalid, "invalid quoted-printable escape kept literally");
  }
}

PartInfo LeafViews::embedded_info(std::string_view transfer_encoding, std::string name, std::string_view what) {
  PartInfo info = info_;
  info.content_type = "application/octet-stream";
  info.charset.clear();
  info.transfer_encoding = transfer_encoding;
  info.filenames.clear();
  if (sanitise_filename(name, limits_.max_filename_length))
    log_.raise(Anomaly::FilenameTooLong, std::string(what) + " filename truncated");
  if (!name.empty()) info.filenames.push_back(std::move(name));  // a candidate for the banned-name filter
  info.attachment = true;
  return info;
}

void LeafViews::scan_uuencode(std::string_view line) {
  decoded_.clear();
  switch (uu_decoder_.line(line, decoded_)) {
    case UuDecoder::Event::Begin:
      log_.raise(Anomaly::Uuencode, "uuencoded block inside a part");
      uu_info_ = embedded_info("x-uuencode", uu_decoder_.filename(), "uuencode");
      open(uu_, ViewKind::Uuencoded);
      break;
    case UuDecoder::Event::Data: deliver(uu_, decoded_); break;
    case UuDecoder::Event::End: close(uu_); break;
    case UuDecoder::Event::None: break;
  }
}

// Every piece of every line goes to the yEnc decoder (not just a line's first, as
// for uuencode): a yEnc data line may be longer than the line buffer.
void LeafViews::scan_yenc(const LineChunk& chunk) {
  decoded_.clear();
  switch (yenc_decoder_.piece(chunk.text, chunk.starts_line, decoded_)) {
    case YencDecoder::Event::Begin:
      log_.raise(Anomaly::Yenc, "yEnc block inside a part");
      if (yenc_.id && yenc_decoder_.continues_previous()) break;  // part N+1: the same file, the same view
      close(yenc_);
      yenc_info_ = embedded_info("x-yenc", yenc_decoder_.filename(), "yEnc");
      open(yenc_, ViewKind::Yenc);
      break;
    case YencDecoder::Event::Data: deliver(yenc_, decoded_); break;
    case YencDecoder::Event::End:
      if (!yenc_decoder_.awaiting_next_part()) close(yenc_);  // else: open until the next part or the leaf's end
      break;
    case YencDecoder::Event::None: break;
  }
}

// A BinHex block opens at its `:` line, but its views only once the header (and so
// the name) is decoded; the resource fork's view opens with its first byte.
void LeafViews::scan_binhex(std::string_view text, bool starts_line) {
  binhex_out_.data.clear();
  binhex_out_.resource.clear();
  const BinhexDecoder::Progress progress = binhex_decoder_.piece(text, starts_line, binhex_out_);
  if (progress.began) log_.raise(Anomaly::Binhex, "BinHex block inside a part");
  if (progress.header) {
    binhex_info_ = embedded_info("x-binhex", binhex_decoder_.name(), "BinHex");
    open(binhex_, ViewKind::Binhex);
  }
  if (binhex_.id) deliver(binhex_, binhex_out_.data);
  if (!binhex_out_.resource.empty()) {
    if (!binhex_rsrc_.id) open(binhex_rsrc_, ViewKind::Binhex);
    deliver(binhex_rsrc_, binhex_out_.resource);
  }
  if (progress.ended) end_binhex();
}

void LeafViews::scan_binhex_stream(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t eol = bytes.find_first_of("\r\n");
    const std::string_view text = bytes.substr(0, eol);
    if (!text.empty()) {
      scan_binhex(text, binhex_line_start_);
      binhex_line_start_ = false;
    }
    if (eol == std::string_view::npos) return;
    binhex_line_start_ = true;
    bytes.remove_prefix(eol + 1);
  }
}

void LeafViews::end_binhex() {
  if (!binhex_decoder_.verified()) {
    log_.raise(Anomaly::BinhexCrc,
               binhex_decoder_.crc_mismatches() ? "BinHex CRC mismatch" : "BinHex block cut short");
  }
  close(binhex_);
  close(binhex_rsrc_);
}

void LeafViews::line(const LineChunk& chunk) {
  if (pending_eol_) write("\r\n");
  write(chunk.text);
  pending_eol_ = chunk.has_eol;
  if (raw_.id && chunk.starts_line) scan_uuencode(chunk.text);
  if (raw_.id) scan_yenc(chunk);
  if (raw_.id) scan_binhex(chunk.text, chunk.starts_line);
}

void LeafViews::close(Slot& slot) {
  flush(slot);
  if (slot.id) sink_.on_view_end(slot.id);
  forget(slot);
}

void LeafViews::end(bool by_delimiter) {
  if (pending_eol_ && !by_delimiter) write("\r\n");
  pending_eol_ = false;
  if (base64_.id || base64_.to_child) {
    decoded_.clear();
    base64_decoder_.finish(decoded_);
    deliver(base64_, decoded_);
    if (binhex_stream_) scan_binhex_stream(decoded_);
    if (strict_ && base64_decoder_.saw_garbage())
      log_.raise(Anomaly::Base64Garbage, "bytes outside the base64 alphabet ignored");
  }
  if (qp_.id || qp_.to_child) {
    decoded_.clear();
    qp_decoder_.finish(decoded_);
    deliver(qp_, decoded_);
    if (binhex_stream_) scan_binhex_stream(decoded_);
    if (strict_ && qp_decoder_.saw_invalid())
      log_.raise(Anomaly::QpInvalid, "invalid quoted-printable escape kept literally");
  }
  if (child_) child_->finish();
  child_ = nullptr;
  close(uu_);
  close(yenc_);
  if (binhex_decoder_.in_block()) end_binhex();  // a block cut short ends with its part
  close(binhex_);
  close(binhex_rsrc_);
  binhex_stream_ = false;
  close(raw_);
  close(base64_);
  close(qp_);
}

void LeafViews::abandon() {
  child_ = nullptr;
  for (Slot* slot : {&raw_, &base64_, &qp_, &uu_, &yenc_, &binhex_, &binhex_rsrc_}) forget(*slot);
  binhex_stream_ = false;
  pending_eol_ = false;
}

}  // namespace sluice::mime
