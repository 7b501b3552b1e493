#include "scan/inspector/component_limits.h"

namespace sluice::scan {

smtp::SmtpLimits smtp_limits_from(const control::SmtpOptions& s) {
  smtp::SmtpLimits limits;
  limits.max_command_line = s.max_command_line;
  limits.max_line_length = s.max_line_length;
  limits.max_recipients = s.max_recipients;
  limits.max_reply_line = s.max_reply_line;
  limits.max_pipelined_commands = s.max_pipelined_commands;
  limits.max_held_bytes = s.max_pipelined_bytes;
  return limits;
}

smtp::RelayConfig relay_config_from(const control::Policy& p) {
  smtp::RelayConfig config;
  config.limits = smtp_limits_from(p.smtp);
  // The size Sluice enforces (and offers in EHLO) is the oversize limit when going over it blocks; with
  // oversize-action pass, larger mail passes unscanned and the backend's own SIZE applies.
  const bool oversize_blocks = p.smtp.oversize_action != control::Action::Pass &&
                               p.smtp.oversize_action != control::Action::Tag;
  config.size_limit = oversize_blocks ? static_cast<uint64_t>(p.smtp.oversize_limit_mb) << 20 : 0;
  config.ehlo.size_limit = config.size_limit;
  config.ehlo.chunking = p.smtp.chunking;
  config.hold_limit = p.smtp.hold_limit_kb * 1024u;
  config.max_errors = p.smtp.max_errors;
  config.max_junk_commands = p.smtp.max_junk_commands;
  config.max_recipient_overshoot = p.smtp.max_recipient_overshoot;
  return config;
}

mime::MimeLimits mime_limits_from(const control::MimeSettings& s) {
  mime::MimeLimits limits;
  limits.max_depth = s.max_depth;
  limits.max_parts = s.max_parts;
  limits.max_header_bytes = s.max_header_size;
  limits.max_line_length = s.max_line_length;
  limits.max_boundary_length = s.max_boundary_length;
  limits.max_boundary_candidates = s.max_boundary_candidates;
  limits.max_filename_length = s.max_filename_length;
  limits.max_flat_decoded_views = s.max_flat_views;
  return limits;
}

archive::ArchiveLimits archive_limits_from(const control::ArchiveSettings& s) {
  constexpr uint64_t kMiB = 1024 * 1024;
  archive::ArchiveLimits limits;
  limits.uncompressed_oversize_limit = static_cast<uint64_t>(s.uncompressed_oversize_limit_mb) * kMiB;
  limits.max_ratio = s.max_ratio;
  limits.max_depth = s.max_depth;
  limits.max_entries = s.max_entries;
  limits.scan_bzip2 = s.scan_bzip2;
  limits.ratio_floor_bytes = static_cast<uint64_t>(s.ratio_floor_kb) * 1024;
  limits.max_name_bytes = s.max_name_length;
  limits.max_buffered_bytes = static_cast<uint64_t>(s.max_buffered_size_mb) * kMiB;
  return limits;
}

url::UrlLimits url_limits_from(const control::UrlFilterSettings& s) {
  url::UrlLimits limits;
  limits.max_urls_per_view = s.max_urls_per_part;
  limits.max_url_length = s.max_url_length;
  limits.max_pdf_inflated_bytes = static_cast<uint64_t>(s.max_pdf_inflated_size_mb) << 20;
  limits.max_pdf_stream_inflated_bytes = static_cast<uint64_t>(s.max_pdf_stream_inflated_size_mb) << 20;
  return limits;
}

}  // namespace sluice::scan
