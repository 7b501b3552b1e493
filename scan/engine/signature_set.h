// The signature set: what the scan engine knows before it is compiled.
//
// Owns: loading ClamAV .ndb body signatures, .hdb/.hsb hash signatures, the built-in EICAR
// signature and anti-spam regex rules into plain, uncompiled tables; the load statistics.
// Calls: ndb_hex (hex-signature → regex translation), Hyperscan's hs_expression_ext_info to
// reject patterns the compiler would refuse, and nothing else. Database::compile() reads it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/engine/content_type.h"

namespace sluice::engine {

enum class RuleKind : uint8_t { BodySignature, HashSignature, HeaderRule, BodyRule };
enum class RuleScope : uint8_t { Header, Body };

struct RuleInfo {
  std::string name;
  RuleKind kind;
  int score;                                // 0 for signatures
  ContentMask applies_to = kAnyContent;     // from the .ndb target type; hash sigs and rules: any
};

struct LoadStats {
  uint32_t body = 0, hash = 0, rules = 0;
  // .ndb offsets that a stream cannot express (EOF-n, EP+n, Sx+n, SL+n, SE…, VI) are loaded as
  // "anywhere": the signature may then hit where ClamAV would not. Counted here so it is visible.
  uint32_t approximated = 0;
};

// One pattern for Hyperscan, already translated. `rule` is its RuleInfo index (= Hyperscan id).
struct PatternEntry {
  std::string regex;
  unsigned hs_flags = 0;
  unsigned long long min_end_offset = 0;  // 0 = unbounded (hs_expr_ext min_offset not set)
  unsigned long long max_end_offset = 0;  // 0 = unbounded (hs_expr_ext max_offset not set)
  uint32_t rule = 0;
};

enum class HashKind : uint8_t { Md5, Sha1, Sha256 };
inline constexpr size_t kMaxDigestBytes = 32;

struct HashSignature {
  HashKind kind;
  std::array<uint8_t, kMaxDigestBytes> digest{};  // only the first digest_bytes(kind) are used
  bool any_size = false;
  uint64_t size = 0;
  uint32_t rule = 0;
};
size_t digest_bytes(HashKind);

struct SignatureLimits {
  // Longest line load_file() accepts; ClamAV's own databases stay far below this.
  size_t max_line_bytes = 64 * 1024;
  // Largest {n-m} gap bound, and largest absolute offset of a variable-width signature (it
  // becomes a "^.{n,m}" prefix). Hyperscan refuses bounded repeats above 32767; large bounds
  // also cost compile time and stream state. ClamAV signatures rarely exceed a few thousand.
  uint32_t max_gap_bytes = 32767;
  // Largest absolute .ndb offset (n + m of "n,m"). No decoded view comes near it, and it keeps
  // the end-offset arithmetic far from overflow.
  uint64_t max_absolute_offset = uint64_t{1} << 32;
  // Fully specified bytes a body signature must contain, so that it cannot match nearly
  // everything (ClamAV imposes the same floor on its subsignatures).
  uint32_t min_literal_bytes = 2;
};

class SignatureSet {
 public:
  SignatureSet() = default;
  explicit SignatureSet(const SignatureLimits& limits) : limits_(limits) {}

  // By extension: .ndb, .hdb, .hsb. '#' lines and blank lines are skipped. Stops at the first
  // bad line with "path:line: reason"; lines before it stay loaded.
  bool load_file(const std::string& path, std::string* error);
  // Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]
  bool add_ndb_line(std::string_view line, std::string* error);
  // HashHex:Size:Name[:MinFL[:MaxFL]]; 32 hex → MD5, 40 → SHA-1, 64 → SHA-256; Size may be '*'.
  bool add_hash_line(std::string_view line, std::string* error);
  // The 68-byte EICAR test string as body signature "Eicar-Test-Signature", any target.
  void add_builtin_eicar();
  // Header rules match "Name: value" of one header in block mode; body rules stream over every
  // view. Flags: SINGLEMATCH, plus CASELESS when asked; no DOTALL/MULTILINE ((?s), (?m) inline).
  bool add_rule(std::string name, std::string pattern, RuleScope scope, int score, bool caseless,
                std::string* error);

  const LoadStats& stats() const { return stats_; }

  // Read by Database::compile().
  const std::vector<RuleInfo>& rules() const { return rules_; }
  const std::vector<PatternEntry>& stream_patterns() const { return stream_patterns_; }
  const std::vector<PatternEntry>& header_patterns() const { return header_patterns_; }
  const std::vector<HashSignature>& hash_signatures() const { return hashes_; }

 private:
  bool add_body_pattern(std::string name, PatternEntry entry, ContentMask applies_to,
                        std::string* error);

  SignatureLimits limits_;
  LoadStats stats_;
  std::vector<RuleInfo> rules_;
  std::vector<PatternEntry> stream_patterns_;
  std::vector<PatternEntry> header_patterns_;
  std::vector<HashSignature> hashes_;
};

}  // namespace sluice::engine
