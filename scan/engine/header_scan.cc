#include "scan/engine/header_scan.h"

#include <hs/hs_runtime.h>

#include <algorithm>
#include <limits>

#include "scan/engine/database.h"
#include "scan/engine/scratch.h"

namespace sluice::engine {
namespace {

int on_header_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* context) {
  auto& hits = *static_cast<std::vector<uint32_t>*>(context);
  if (std::find(hits.begin(), hits.end(), id) == hits.end()) hits.push_back(id);
  return 0;
}

}  // namespace

bool scan_header(const Database& db, Scratch& scratch, std::string_view name,
                 std::string_view value, std::vector<uint32_t>& hits) {
  if (db.header_db() == nullptr) return true;
  constexpr size_t kMaxPiece = std::numeric_limits<unsigned>::max();
  if (name.size() > kMaxPiece || value.size() > kMaxPiece) return false;
  static constexpr std::string_view kSeparator = ": ";
  const char* pieces[3] = {name.data(), kSeparator.data(), value.data()};
  const unsigned lengths[3] = {static_cast<unsigned>(name.size()),
                               static_cast<unsigned>(kSeparator.size()),
                               static_cast<unsigned>(value.size())};
  return hs_scan_vector(db.header_db(), pieces, lengths, 3, 0, scratch.get(), &on_header_match,
                        &hits) == HS_SUCCESS;
}

}  // namespace sluice::engine
