// LeafViews: the open views of the one leaf part being read. Turns body lines into
// decoded byte streams for the sink: one Decoded view, or for an ambiguous CTE
// three alternates (raw, base64, QP); uuencode, yEnc and BinHex blocks inside raw text get
// their own Uuencoded / Yenc / Binhex views (MIME-11), and so does the BinHex of a part that
// declares it (Content-Type application/mac-binhex40, CTE binhex), read from the part's
// decoded text whatever its CTE. For a base64/QP message/rfc822 the decoded bytes
// go to a child MimeParser instead. Uses the decoders; calls the sink.
#pragma once
#include <cstdint>
#include <string>

#include "scan/mime/anomaly_log.h"
#include "scan/mime/base64_decoder.h"
#include "scan/mime/binhex_decoder.h"
#include "scan/mime/line_splitter.h"
#include "scan/mime/mime_limits.h"
#include "scan/mime/part_info.h"
#include "scan/mime/qp_decoder.h"
#include "scan/mime/transfer_encoding.h"
#include "scan/mime/uu_decoder.h"
#include "scan/mime/yenc_decoder.h"

namespace sluice::mime {

class MimeParser;

class LeafViews {
 public:
  LeafViews(const MimeLimits& limits, MimeSink& sink, AnomalyLog& log, uint32_t& next_view_id);
  void begin(const PartInfo& info, TransferDecoding decoding);
  // Decodes into `child` (a fresh parser for the nested message) instead of views.
  void begin_into(const PartInfo& info, TransferDecoding decoding, MimeParser& child);
  void line(const LineChunk& chunk);
  // by_delimiter: the last line end belongs to the delimiter and is not data.
  void end(bool by_delimiter);
  void abandon();  // reset(): forget open views without callbacks
  // Hands every view's batched bytes to the sink. The parser calls it at the end of each feed(), so
  // content still reaches the sink within the feed call that brought it.
  void flush();

 private:
  // Decoded bytes are batched per view up to kBatchBytes: one sink call per encoded line (57 bytes of
  // base64) cost more in the scanners' per-call overhead than the scanning itself.
  static constexpr size_t kBatchBytes = 16384;
  struct Slot {
    uint32_t id = 0;  // 0: not open
    bool to_child = false;
    std::string batch;   // capacity kept across views
  };
  void open(Slot& slot, ViewKind kind);
  void write(std::string_view bytes);
  void deliver(Slot& slot, std::string_view bytes);
  void scan_uuencode(std::string_view line);
  void scan_yenc(const LineChunk& chunk);
  // One piece of BinHex text: the data fork goes to binhex_, the resource fork to binhex_rsrc_.
  void scan_binhex(std::string_view text, bool starts_line);
  // The decoded (base64/QP) body of a part declared BinHex, cut at its line ends for scan_binhex.
  void scan_binhex_stream(std::string_view bytes);
  void end_binhex();  // the block ended or its part did: CRC verdict, views closed
  // PartInfo of a view decoded out of the part's text (uuencode, yEnc, BinHex): an attachment named as the block says.
  PartInfo embedded_info(std::string_view transfer_encoding, std::string name, std::string_view what);
  void close(Slot& slot);
  void flush(Slot& slot);
  static void forget(Slot& slot);

  const MimeLimits& limits_;
  MimeSink& sink_;
  AnomalyLog& log_;
  uint32_t& next_view_id_;
  MimeParser* child_ = nullptr;
  PartInfo info_;
  PartInfo uu_info_;
  PartInfo yenc_info_;
  PartInfo binhex_info_;
  bool strict_ = false;  // one Decoded view: decoder anomalies are flagged
  bool pending_eol_ = false;
  bool binhex_stream_ = false;       // the part declares BinHex and its text is the base64/QP reading
  bool binhex_line_start_ = true;    // scan_binhex_stream: the next byte starts a line
  // The resource fork is a view of its own, not appended to the data fork: the data fork's SHA-256 must be
  // the file's own for hash signatures (.hdb/.hsb), and each fork gets its own archive sniffing.
  Slot raw_, base64_, qp_, uu_, yenc_, binhex_, binhex_rsrc_;
  Base64Decoder base64_decoder_;
  QuotedPrintableDecoder qp_decoder_;
  UuDecoder uu_decoder_;
  YencDecoder yenc_decoder_;
  BinhexDecoder binhex_decoder_;
  BinhexDecoder::Output binhex_out_;  // reused output buffers
  std::string decoded_;  // reused output buffer
};

}  // namespace sluice::mime
