// scan/inspector/banned_names.h — the banned attachment-name policy (config attachment-filter, THREATS MIME-8).
//
// Owns: the banned extensions in their compared form, and the normalising that decides which extension a name
// really has. A name arrives decoded (RFC 2231, RFC 2047) and sanitised (controls and bidi marks already '_') by
// the MIME parser or the archive expander; what is left to undo is what Windows and C-string readers do to it.
// Calls: control (AttachmentFilterSettings) only. Built once per PolicySnapshot; read-only afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/policy.h"

namespace sluice::scan {

class BannedNames {
 public:
  BannedNames() = default;
  explicit BannedNames(const control::AttachmentFilterSettings&);

  // The list entry (as compared: lower case, no leading dot) that `name` ends with under any of its readings,
  // or nullopt. Readings: the basename (after the last '/' or '\'), and that basename cut before each '_' and
  // each literal "%00"; each reading loses its trailing dots and spaces, then is compared case-insensitively.
  std::optional<std::string> banned_extension(std::string_view name) const;

  // The verdict reason for a banned name: "attachment-filter:<ext>:<name>", the name cut to its last
  // kReasonNameBytes bytes (the end carries the extension; a long name must not push other reasons out of the
  // reply line).
  static std::string reason(std::string_view extension, std::string_view name);
  static constexpr size_t kReasonNameBytes = 64;

 private:
  std::vector<std::string> suffixes_;   // ".exe", ".tar.gz": lower case, with their leading dot; sorted
  std::vector<size_t> suffix_lengths_;  // the distinct lengths among them
};

}  // namespace sluice::scan
