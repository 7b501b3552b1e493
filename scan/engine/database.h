// The compiled, immutable scan database: one per policy snapshot, shared read-only by all cores.
//
// Owns: the Hyperscan databases (stream + block for body patterns, vectored for header rules),
// the rule table (id → name, kind, score, target types) and the sorted hash-signature tables.
// Calls: Hyperscan's compiler; reads a SignatureSet. Scratch and scanners borrow it.
#pragma once

#include <hs/hs_common.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "scan/engine/signature_set.h"

namespace sluice::engine {

class Database {  // immutable after compile(); safe to share read-only across threads
 public:
  // A set without any body pattern (only hash signatures, say) compiles too: the missing
  // Hyperscan databases are simply null and scanners skip them.
  static std::unique_ptr<Database> compile(const SignatureSet&, std::string* error);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const RuleInfo& rule(uint32_t id) const { return rules_[id]; }  // id < rule_count()
  uint32_t rule_count() const { return static_cast<uint32_t>(rules_.size()); }

  const hs_database_t* stream_db() const { return stream_db_; }  // body sigs + body rules; may be null
  const hs_database_t* block_db() const { return block_db_; }    // same patterns, BLOCK mode; may be null
  const hs_database_t* header_db() const { return header_db_; }  // header rules, VECTORED; may be null
  size_t stream_state_bytes() const { return stream_state_bytes_; }  // hs_stream_size, 0 if no stream db

  // Only the digests some signature needs are computed per stream (SHA-256 always is: logs).
  bool needs_digest(HashKind kind) const { return !hashes_[index(kind)].empty(); }
  // Longest stream a `kind` signature can match: the largest size signed, unlimited when one signs any
  // size ('*'), 0 when there are none. Streams longer than this need no `kind` digest at all.
  uint64_t digest_limit(HashKind kind) const { return digest_limits_[index(kind)]; }
  // The hash signatures whose digest equals `digest` (digest_bytes(kind) bytes); sizes unchecked.
  std::span<const HashSignature> hash_candidates(HashKind kind, const uint8_t* digest) const;

 private:
  Database() = default;
  static size_t index(HashKind kind) { return static_cast<size_t>(kind); }

  std::vector<RuleInfo> rules_;
  std::array<std::vector<HashSignature>, 3> hashes_;  // per HashKind, sorted by digest
  std::array<uint64_t, 3> digest_limits_{};          // per HashKind, see digest_limit()
  hs_database_t* stream_db_ = nullptr;
  hs_database_t* block_db_ = nullptr;
  hs_database_t* header_db_ = nullptr;
  size_t stream_state_bytes_ = 0;
};

}  // namespace sluice::engine
