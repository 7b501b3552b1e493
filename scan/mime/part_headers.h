// Interpretation of one entity's header block: which Content-Type, boundaries,
// transfer encoding and names apply, following the union rule (README.md).
// Uses header_params, rfc2231, rfc2047, transfer_encoding, filename_sanitiser;
// raises anomalies through AnomalyLog.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "scan/mime/anomaly_log.h"
#include "scan/mime/mime_limits.h"
#include "scan/mime/part_info.h"
#include "scan/mime/transfer_encoding.h"

namespace sluice::mime {

// The structure-relevant fields of one header block, as written.
struct HeaderFacts {
  std::vector<std::string> content_types;
  std::vector<std::string> transfer_encodings;
  std::vector<std::string> dispositions;
  bool mime_version = false;

  void clear();
  void record(std::string_view name, std::string_view value);
};

enum class BodyShape : uint8_t {
  Leaf,            // decoded into views
  Multipart,       // children between boundary delimiters
  Message,         // the body is a message parsed in-line (message/rfc822, global)
  EncodedMessage,  // a message under base64/QP: decoded, then parsed (EncodedRfc822)
};

struct ResolvedPart {
  PartInfo info;  // index and depth are the caller's
  BodyShape shape = BodyShape::Leaf;
  TransferDecoding decoding = TransferDecoding::Identity;
  std::vector<std::string> boundaries;  // every live candidate (Multipart only)
  bool digest = false;                  // multipart/digest: children default to message/rfc822
};

struct EntityContext {
  bool is_message = false;     // a message header (top level or rfc822 body)
  bool in_digest = false;      // default type message/rfc822
};

// Fills `out` (keeping out.info.index/depth) from `facts`.
void resolve_part(const HeaderFacts& facts, const MimeLimits& limits, EntityContext context,
                  ResolvedPart& out, AnomalyLog& log);

}  // namespace sluice::mime
