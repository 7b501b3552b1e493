#include "scan/engine/database.h"

#include <hs/hs_compile.h>
#include <hs/hs_runtime.h>

#include <algorithm>
#include <cstring>

#include "scan/engine/hs_pattern.h"

namespace sluice::engine {
namespace {

// Compiles `patterns` in `mode`; leaves *db null when there are none, since Hyperscan refuses
// to compile an empty pattern set. Errors name the rule behind the offending expression.
bool compile_patterns(const std::vector<PatternEntry>& patterns, const std::vector<RuleInfo>& rules,
                      unsigned mode, hs_database_t** db, std::string* error) {
  *db = nullptr;
  if (patterns.empty()) return true;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, ids;
  std::vector<hs_expr_ext_t> exts;
  std::vector<const hs_expr_ext_t*> ext_pointers;
  for (const PatternEntry& p : patterns) {
    expressions.push_back(p.regex.c_str());
    flags.push_back(p.hs_flags);
    ids.push_back(p.rule);
    exts.push_back(expression_ext(p));
  }
  for (const hs_expr_ext_t& ext : exts) ext_pointers.push_back(&ext);
  hs_compile_error_t* compile_error = nullptr;
  const hs_error_t rc = hs_compile_ext_multi(
      expressions.data(), flags.data(), ids.data(), ext_pointers.data(),
      static_cast<unsigned>(patterns.size()), mode, nullptr, db, &compile_error);
  if (rc == HS_SUCCESS) return true;
  std::string message = compile_error != nullptr ? compile_error->message : "compile failed";
  if (compile_error != nullptr && compile_error->expression >= 0 &&
      static_cast<size_t>(compile_error->expression) < patterns.size()) {
    const RuleInfo& info = rules[patterns[compile_error->expression].rule];
    const bool is_rule = info.kind == RuleKind::HeaderRule || info.kind == RuleKind::BodyRule;
    message = (is_rule ? "rule '" : "signature '") + info.name + "': " + message;
  }
  *error = message;
  hs_free_compile_error(compile_error);
  *db = nullptr;
  return false;
}

bool digest_less(const HashSignature& a, const HashSignature& b) { return a.digest < b.digest; }

}  // namespace

std::unique_ptr<Database> Database::compile(const SignatureSet& set, std::string* error) {
  std::unique_ptr<Database> db(new Database());
  db->rules_ = set.rules();
  for (const HashSignature& sig : set.hash_signatures()) {
    db->hashes_[index(sig.kind)].push_back(sig);
    uint64_t& limit = db->digest_limits_[index(sig.kind)];
    limit = sig.any_size ? UINT64_MAX : std::max(limit, sig.size);
  }
  for (auto& table : db->hashes_) std::sort(table.begin(), table.end(), digest_less);

  if (!compile_patterns(set.stream_patterns(), db->rules_, HS_MODE_STREAM, &db->stream_db_, error) ||
      !compile_patterns(set.stream_patterns(), db->rules_, HS_MODE_BLOCK, &db->block_db_, error) ||
      !compile_patterns(set.header_patterns(), db->rules_, HS_MODE_VECTORED, &db->header_db_,
                        error)) {
    return nullptr;
  }
  if (db->stream_db_ != nullptr && hs_stream_size(db->stream_db_, &db->stream_state_bytes_) !=
                                       HS_SUCCESS) {
    *error = "hs_stream_size failed";
    return nullptr;
  }
  return db;
}

Database::~Database() {
  hs_free_database(stream_db_);
  hs_free_database(block_db_);
  hs_free_database(header_db_);
}

std::span<const HashSignature> Database::hash_candidates(HashKind kind,
                                                         const uint8_t* digest) const {
  const std::vector<HashSignature>& table = hashes_[index(kind)];
  HashSignature probe{};
  probe.kind = kind;
  std::memcpy(probe.digest.data(), digest, digest_bytes(kind));
  const auto [first, last] = std::equal_range(table.begin(), table.end(), probe, digest_less);
  return {first, last};
}

}  // namespace sluice::engine
