// Filename sanitising: makes a decoded attachment name safe for logs, replies and
// banned-name rules (MIME-8). Calls nothing.
#pragma once
#include <cstdint>
#include <string>

namespace sluice::mime {

// Replaces C0/C1 controls, DEL and bidirectional controls (U+200E/F, U+202A-E,
// U+2066-9, U+061C) with '_' and truncates to max_bytes on a UTF-8 boundary.
// Returns true if the name had to be truncated.
bool sanitise_filename(std::string& name, uint32_t max_bytes);

}  // namespace sluice::mime
