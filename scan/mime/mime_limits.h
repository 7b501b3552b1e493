// MimeLimits: every bound the MIME parser and its decoders obey. Owns nothing;
// read by everything under scan/mime. Defaults are safe for hostile input.
#pragma once
#include <cstdint>

namespace sluice::mime {

struct MimeLimits {
  // multipart/message nesting; deeper -> Anomaly::DepthLimit, rest scanned flat.
  uint32_t max_depth = 20;
  // leaf+container parts; beyond -> Anomaly::PartLimit, rest scanned flat.
  uint32_t max_parts = 1000;
  // One header block (Postfix header_size_limit); beyond -> HeaderTooLong, rest is body.
  uint32_t max_header_bytes = 102400;
  // Longer lines are processed in chunks, flagged LongLine (never dropped).
  uint32_t max_line_length = 2048;
  // Longer boundary parameters are flagged BoundaryTooLong and not used.
  uint32_t max_boundary_length = 2048;
  // Decoded names are truncated + flagged FilenameTooLong.
  uint32_t max_filename_length = 255;
  // Live boundary readings per multipart (every delimiter line is compared with
  // each); further boundary parameters are dropped (DuplicateBoundary is raised).
  uint32_t max_boundary_candidates = 32;
  // Candidate filenames kept per part; further ones are dropped (FilenameConflict).
  uint32_t max_filename_candidates = 16;
  // RFC 2231 continuation sections per parameter (name*0..name*N); higher ones are dropped.
  uint32_t max_rfc2231_sections = 100;
  // Views of their own for base64 runs found in content scanned flat after max_parts/max_depth (FlatBase64Runs);
  // further runs are decoded into the last of them. At least 1. (config mime max-flat-views)
  uint32_t max_flat_decoded_views = 64;
};

}  // namespace sluice::mime
