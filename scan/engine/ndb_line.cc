// SignatureSet::add_ndb_line: one ClamAV body signature, Name:TargetType:Offset:Hex[:MinFL[:MaxFL]].
#include <hs/hs_compile.h>

#include "scan/engine/ndb_hex.h"
#include "scan/engine/signature_fields.h"
#include "scan/engine/signature_set.h"

namespace sluice::engine {
namespace {

struct NdbOffset {
  enum class Kind { Anywhere, Absolute, Approximated } kind = Kind::Anywhere;
  uint64_t start = 0;   // Absolute: the match starts at start..start+window
  uint64_t window = 0;
};

// Offsets measured from the end of the file, the PE entry point or a section start cannot be
// known while streaming a view; they are accepted (digits, '+', '-', ',' after a known prefix)
// and loaded as "anywhere".
bool is_approximated_offset(std::string_view text) {
  for (std::string_view prefix : {"EOF-", "EP+", "EP-", "SL+", "SE", "S", "VI"}) {
    if (!text.starts_with(prefix)) continue;
    const std::string_view rest = text.substr(prefix.size());
    if (prefix != "VI" && rest.empty()) return false;
    return rest.find_first_not_of("0123456789+-,") == std::string_view::npos;
  }
  return false;
}

bool parse_offset(std::string_view text, NdbOffset* offset) {
  if (text == "*") {
    offset->kind = NdbOffset::Kind::Anywhere;
    return true;
  }
  if (is_approximated_offset(text)) {
    offset->kind = NdbOffset::Kind::Approximated;
    return true;
  }
  offset->kind = NdbOffset::Kind::Absolute;
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos) return parse_decimal(text, &offset->start);
  return parse_decimal(text.substr(0, comma), &offset->start) &&
         parse_decimal(text.substr(comma + 1), &offset->window);
}

// An absolute offset pins where the match STARTS; Hyperscan's min_offset/max_offset bound where
// it ENDS. For a fixed-width pattern the two differ by the width, so end bounds are exact and
// cost nothing. A variable-width pattern instead gets a "^.{n,n+m}" prefix anchored at the
// stream start, which is exact too but bounded by max_gap.
bool apply_absolute_offset(const NdbOffset& offset, const HexTranslation& hex, uint32_t max_gap,
                           PatternEntry* entry, std::string* error) {
  if (hex.fixed_width()) {
    entry->regex = hex.regex;
    entry->min_end_offset = offset.start + hex.min_width;
    entry->max_end_offset = offset.start + offset.window + hex.min_width;
    return true;
  }
  if (offset.start + offset.window > max_gap) {
    *error = "absolute offset " + std::to_string(offset.start + offset.window) +
             " exceeds the limit for a variable-width signature";
    return false;
  }
  std::string prefix = "^";
  if (offset.window != 0) {
    prefix += ".{" + std::to_string(offset.start) + "," +
              std::to_string(offset.start + offset.window) + "}";
  } else if (offset.start != 0) {
    prefix += ".{" + std::to_string(offset.start) + "}";
  }
  entry->regex = prefix + "(?:" + hex.regex + ")";
  return true;
}

}  // namespace

bool SignatureSet::add_ndb_line(std::string_view line, std::string* error) {
  const std::vector<std::string_view> fields = split_fields(line);
  if (fields.size() < 4 || fields.size() > 6) {
    *error = "expected Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]";
    return false;
  }
  const std::string_view name = fields[0];
  if (name.empty()) {
    *error = "empty signature name";
    return false;
  }
  const std::string prefix = "signature '" + std::string(name) + "': ";
  unsigned target = 0;
  ContentMask applies_to = 0;
  if (!parse_decimal(fields[1], &target) || !target_type_mask(target, &applies_to)) {
    *error = prefix + "unknown target type '" + std::string(fields[1]) + "'";
    return false;
  }
  NdbOffset offset;
  if (!parse_offset(fields[2], &offset)) {
    *error = prefix + "bad offset '" + std::string(fields[2]) + "'";
    return false;
  }
  if (!valid_functionality_levels(fields, 4)) {
    *error = prefix + "bad functionality level";
    return false;
  }
  HexTranslation hex;
  std::string why;
  if (!translate_hex_signature(fields[3], limits_.max_gap_bytes, &hex, &why)) {
    *error = prefix + why;
    return false;
  }
  if (hex.literal_bytes < limits_.min_literal_bytes) {
    *error = prefix + "needs at least " + std::to_string(limits_.min_literal_bytes) +
             " fully specified bytes";
    return false;
  }
  if (offset.kind == NdbOffset::Kind::Absolute &&
      (offset.start > limits_.max_absolute_offset ||
       offset.window > limits_.max_absolute_offset - offset.start)) {
    *error = prefix + "absolute offset beyond " + std::to_string(limits_.max_absolute_offset);
    return false;
  }
  PatternEntry entry;
  entry.hs_flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
  if (offset.kind == NdbOffset::Kind::Absolute) {
    if (!apply_absolute_offset(offset, hex, limits_.max_gap_bytes, &entry, &why)) {
      *error = prefix + why;
      return false;
    }
  } else {
    entry.regex = std::move(hex.regex);
  }
  if (!add_body_pattern(std::string(name), std::move(entry), applies_to, error)) return false;
  if (offset.kind == NdbOffset::Kind::Approximated) ++stats_.approximated;
  return true;
}

}  // namespace sluice::engine
