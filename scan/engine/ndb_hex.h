// Translation of a ClamAV hex signature (the 4th .ndb field) into a Hyperscan regex.
//
// Owns: the hex-signature grammar — byte pairs, ?? and nibble wildcards, *, {n} {n-m} {-m} {n-}
// gaps, (aa|bbcc) alternatives and single-byte !(aa|bb) negation — and the width of what it
// matches (needed to turn an absolute offset into Hyperscan end-offset bounds).
// Calls: nothing outside the C++ standard library. Internal to scan/engine.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace sluice::engine {

struct HexTranslation {
  static constexpr uint64_t kUnbounded = std::numeric_limits<uint64_t>::max();
  std::string regex;           // every byte escaped as \xHH; meant for HS_FLAG_DOTALL
  uint64_t min_width = 0;      // fewest bytes a match spans
  uint64_t max_width = 0;      // most bytes a match spans, or kUnbounded
  uint32_t literal_bytes = 0;  // fully specified bytes every match contains
  bool fixed_width() const { return min_width == max_width; }
};

// `max_gap` bounds every number inside {…}. Errors name the 1-based character position.
bool translate_hex_signature(std::string_view hex, uint32_t max_gap, HexTranslation* out,
                             std::string* error);

}  // namespace sluice::engine
