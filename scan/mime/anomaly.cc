// Names and classification of Anomaly flags.
#include "scan/mime/mime_sink.h"

namespace sluice::mime {

const char* anomaly_name(Anomaly a) {
  switch (a) {
    case Anomaly::DuplicateBoundary: return "duplicate_boundary";
    case Anomaly::DuplicateContentType: return "duplicate_content_type";
    case Anomaly::ConflictingTransferEncoding: return "conflicting_transfer_encoding";
    case Anomaly::UnknownTransferEncoding: return "unknown_transfer_encoding";
    case Anomaly::MissingBoundary: return "missing_boundary";
    case Anomaly::MissingCloseDelimiter: return "missing_close_delimiter";
    case Anomaly::PartsAfterClose: return "parts_after_close";
    case Anomaly::DepthLimit: return "depth_limit";
    case Anomaly::PartLimit: return "part_limit";
    case Anomaly::HeaderTooLong: return "header_too_long";
    case Anomaly::LongLine: return "long_line";
    case Anomaly::BareCr: return "bare_cr";
    case Anomaly::BareLf: return "bare_lf";
    case Anomaly::Base64Garbage: return "base64_garbage";
    case Anomaly::QpInvalid: return "qp_invalid";
    case Anomaly::HeaderWithoutColon: return "header_without_colon";
    case Anomaly::BoundaryTooLong: return "boundary_too_long";
    case Anomaly::Rfc2047InParameter: return "rfc2047_in_parameter";
    case Anomaly::FilenameConflict: return "filename_conflict";
    case Anomaly::PartialOrExternal: return "partial_or_external";
    case Anomaly::Uuencode: return "uuencode";
    case Anomaly::NulByte: return "nul_byte";
    case Anomaly::FilenameTooLong: return "filename_too_long";
    case Anomaly::EncodedRfc822: return "encoded_rfc822";
    case Anomaly::NoMimeVersion: return "no_mime_version";
    case Anomaly::ObsoleteHeaderSyntax: return "obsolete_header_syntax";
    case Anomaly::BoundaryPrefixLine: return "boundary_prefix_line";
    case Anomaly::Yenc: return "yenc";
    case Anomaly::Binhex: return "binhex";
    case Anomaly::BinhexCrc: return "binhex_crc";
  }
  return "unknown";
}

bool is_ambiguity(Anomaly a) {
  switch (a) {
    // Structure or encoding that parsers are known to read differently.
    case Anomaly::DuplicateBoundary:
    case Anomaly::DuplicateContentType:
    case Anomaly::ConflictingTransferEncoding:
    case Anomaly::UnknownTransferEncoding:
    case Anomaly::MissingBoundary:
    case Anomaly::PartsAfterClose:
    case Anomaly::BareCr:
    case Anomaly::Base64Garbage:
    case Anomaly::QpInvalid:
    case Anomaly::HeaderWithoutColon:
    case Anomaly::BoundaryTooLong:
    case Anomaly::Rfc2047InParameter:
    case Anomaly::FilenameConflict:
    case Anomaly::EncodedRfc822:
    case Anomaly::ObsoleteHeaderSyntax:
    case Anomaly::BoundaryPrefixLine:
      return true;
    // Limits, legacy encodings and sloppiness every parser reads the same way.
    default:
      return false;
  }
}

}  // namespace sluice::mime
