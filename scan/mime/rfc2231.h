// RFC 2231 parameter assembly: continuations (`name*0`, `name*1`, in any order),
// extended values (`name*=charset'lang'%XX`, `name*0*=...`) and their charset.
// Uses charset.h. Plain parameters pass through unchanged.
#pragma once
#include <cstdint>
#include <vector>

#include "scan/mime/header_params.h"

namespace sluice::mime {

struct AssembledParam {
  std::string name;      // lowercased, without RFC 2231 markers
  std::string value;     // UTF-8 where a charset was given, else bytes as written
  bool from_rfc2231 = false;
};

// Appends to `out` every parameter of `raw` in order of first appearance; all
// sections of one RFC 2231 name become one entry, sorted by section number.
// Sections above max_sections are dropped; gaps are closed up.
void assemble_rfc2231(const std::vector<HeaderParam>& raw, uint32_t max_sections,
                      std::vector<AssembledParam>& out);

}  // namespace sluice::mime
