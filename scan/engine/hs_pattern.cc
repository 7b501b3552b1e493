#include "scan/engine/hs_pattern.h"

#include <cstdlib>

namespace sluice::engine {

hs_expr_ext_t expression_ext(const PatternEntry& entry) {
  hs_expr_ext_t ext{};
  if (entry.min_end_offset != 0) {
    ext.flags |= HS_EXT_FLAG_MIN_OFFSET;
    ext.min_offset = entry.min_end_offset;
  }
  if (entry.max_end_offset != 0) {
    ext.flags |= HS_EXT_FLAG_MAX_OFFSET;
    ext.max_offset = entry.max_end_offset;
  }
  return ext;
}

bool hyperscan_accepts(const PatternEntry& entry, std::string* error) {
  const hs_expr_ext_t ext = expression_ext(entry);
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  const hs_error_t rc =
      hs_expression_ext_info(entry.regex.c_str(), entry.hs_flags, &ext, &info, &compile_error);
  // hs_expression_info accepts patterns that match empty data, but the compiler refuses them
  // without HS_FLAG_ALLOWEMPTY: catch that here so the error names the rule at load time.
  const bool matches_empty = info != nullptr && info->min_width == 0;
  std::free(info);  // allocated with Hyperscan's misc allocator, which defaults to malloc
  if (rc == HS_SUCCESS && matches_empty && (entry.hs_flags & HS_FLAG_ALLOWEMPTY) == 0) {
    *error = "pattern matches empty data";
    return false;
  }
  if (rc == HS_SUCCESS) return true;
  *error = compile_error != nullptr ? compile_error->message : "rejected by Hyperscan";
  hs_free_compile_error(compile_error);
  return false;
}

}  // namespace sluice::engine
