// Names and predicates for PartInfo / ViewKind.
#include "scan/mime/part_info.h"

namespace sluice::mime {

const char* view_kind_name(ViewKind kind) {
  switch (kind) {
    case ViewKind::Decoded: return "decoded";
    case ViewKind::RawAlternate: return "raw_alternate";
    case ViewKind::Base64Alternate: return "base64_alternate";
    case ViewKind::QpAlternate: return "qp_alternate";
    case ViewKind::Uuencoded: return "uuencoded";
    case ViewKind::Yenc: return "yenc";
    case ViewKind::Binhex: return "binhex";
  }
  return "unknown";
}

bool PartInfo::is_text() const { return content_type.rfind("text/", 0) == 0; }

bool PartInfo::is_html() const { return content_type == "text/html"; }

bool PartInfo::declares_binhex() const {
  return content_type == "application/mac-binhex40" || content_type == "application/mac-binhex" ||
         content_type == "application/x-binhex40" || content_type == "application/x-mac-binhex40";
}

}  // namespace sluice::mime
