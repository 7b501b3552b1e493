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
  sink_.on_view_begin(slot.id, kind == ViewKind::Uuencoded ? uu_info_ : info_, kind);
}

void LeafViews::begin(const PartInfo& info, TransferDecoding decoding) {
  info_ = info;
  child_ = nullptr;
  pending_eol_ = false;
  base64_decoder_.reset();
  qp_decoder_.reset();
  uu_decoder_.reset();
  strict_ = decoding != TransferDecoding::Ambiguous;
  switch (decoding) {
    case TransferDecoding::Identity:
    case TransferDecoding::Uuencode:  // text as written; the uu block gets its own view
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
    if (strict_ && base64_decoder_.saw_garbage())
      log_.raise(Anomaly::Base64Garbage, "bytes outside the base64 alphabet ignored");
  }
  if (qp_.id || qp_.to_child) {
    decoded_.clear();
    qp_decoder_.feed(bytes, decoded_);
    deliver(qp_, decoded_);
    if (strict_ && qp_decoder_.saw_invalid())
      log_.raise(Anomaly::QpInvalid, "invalid quoted-printable escape kept literally");
  }
}

void LeafViews::scan_uuencode(std::string_view line) {
  decoded_.clear();
  switch (uu_decoder_.line(line, decoded_)) {
    case UuDecoder::Event::Begin: {
      log_.raise(Anomaly::Uuencode, "uuencoded block inside a part");
      uu_info_ = info_;
      uu_info_.content_type = "application/octet-stream";
      uu_info_.charset.clear();
      uu_info_.transfer_encoding = "x-uuencode";
      std::string name = uu_decoder_.filename();
      if (sanitise_filename(name, limits_.max_filename_length))
        log_.raise(Anomaly::FilenameTooLong, "uuencode filename truncated");
      uu_info_.filenames.assign(1, std::move(name));
      uu_info_.attachment = true;
      open(uu_, ViewKind::Uuencoded);
      break;
    }
    case UuDecoder::Event::Data: deliver(uu_, decoded_); break;
    case UuDecoder::Event::End: close(uu_); break;
    case UuDecoder::Event::None: break;
  }
}

void LeafViews::line(const LineChunk& chunk) {
  if (pending_eol_) write("\r\n");
  write(chunk.text);
  pending_eol_ = chunk.has_eol;
  if (raw_.id && chunk.starts_line) scan_uuencode(chunk.text);
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
    if (strict_ && base64_decoder_.saw_garbage())
      log_.raise(Anomaly::Base64Garbage, "bytes outside the base64 alphabet ignored");
  }
  if (qp_.id || qp_.to_child) {
    decoded_.clear();
    qp_decoder_.finish(decoded_);
    deliver(qp_, decoded_);
    if (strict_ && qp_decoder_.saw_invalid())
      log_.raise(Anomaly::QpInvalid, "invalid quoted-printable escape kept literally");
  }
  if (child_) child_->finish();
  child_ = nullptr;
  close(uu_);
  close(raw_);
  close(base64_);
  close(qp_);
}

void LeafViews::abandon() {
  child_ = nullptr;
  for (Slot* slot : {&raw_, &base64_, &qp_, &uu_}) forget(*slot);
  pending_eol_ = false;
}

}  // namespace sluice::mime
