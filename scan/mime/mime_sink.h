// MimeSink and Anomaly: the narrow interface between the MIME parser and whoever
// scans its output (scan/inspector). The parser calls the sink; the sink never
// calls back into the parser.
#pragma once
#include <cstdint>
#include <string_view>

#include "scan/mime/part_info.h"

namespace sluice::mime {

enum class Anomaly : uint32_t {  // bit flags
  DuplicateBoundary = 1u << 0,
  DuplicateContentType = 1u << 1,
  ConflictingTransferEncoding = 1u << 2,
  UnknownTransferEncoding = 1u << 3,
  MissingBoundary = 1u << 4,
  MissingCloseDelimiter = 1u << 5,
  PartsAfterClose = 1u << 6,
  DepthLimit = 1u << 7,
  PartLimit = 1u << 8,
  HeaderTooLong = 1u << 9,
  LongLine = 1u << 10,
  BareCr = 1u << 11,
  BareLf = 1u << 12,
  Base64Garbage = 1u << 13,
  QpInvalid = 1u << 14,
  HeaderWithoutColon = 1u << 15,
  BoundaryTooLong = 1u << 16,
  Rfc2047InParameter = 1u << 17,
  FilenameConflict = 1u << 18,
  PartialOrExternal = 1u << 19,  // message/partial, message/external-body
  Uuencode = 1u << 20,
  NulByte = 1u << 21,
  FilenameTooLong = 1u << 22,
  EncodedRfc822 = 1u << 23,
  NoMimeVersion = 1u << 24,
  ObsoleteHeaderSyntax = 1u << 25,
  BoundaryPrefixLine = 1u << 26,  // "--b\v", "--bX": data here, a delimiter to prefix readers (MIME-4)
  Yenc = 1u << 27,                // a =ybegin block inside a part (MIME-11)
  Binhex = 1u << 28,              // a BinHex 4.0 block inside a part or declared by it (MIME-11)
  BinhexCrc = 1u << 29,           // a BinHex CRC did not match, or the block was cut short (bytes still scanned)
};

// Stable snake_case names for logs, e.g. "duplicate_boundary".
const char* anomaly_name(Anomaly a);
// True for anomalies meaning "two reasonable parsers disagree" (THREATS 3 policy):
// the message may be read differently downstream, so policy may reject on them.
bool is_ambiguity(Anomaly a);

class MimeSink {
 public:
  virtual ~MimeSink() = default;
  // Header fields of the top-level message. value = unfolded raw value;
  // decoded = RFC 2047-decoded, control characters replaced with space.
  virtual void on_top_header(std::string_view /*name*/, std::string_view /*value*/,
                             std::string_view /*decoded*/) {}
  // A decoded byte stream of a leaf part begins. Several views of the same part
  // may be open at once (ambiguous CTE, uuencode or yEnc block inside a text part).
  virtual void on_view_begin(uint32_t view_id, const PartInfo& part, ViewKind kind) = 0;
  virtual void on_view_data(uint32_t view_id, std::string_view bytes) = 0;
  virtual void on_view_end(uint32_t view_id) = 0;
  // Reported once per anomaly kind per message (the first occurrence's detail).
  virtual void on_anomaly(Anomaly /*a*/, std::string_view /*detail*/) {}
};

}  // namespace sluice::mime
