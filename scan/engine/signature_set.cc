// SignatureSet: file loading, the built-in EICAR signature, anti-spam rules, and the shared
// bookkeeping behind every body pattern. The line formats live in ndb_line.cc and hash_line.cc.
#include "scan/engine/signature_set.h"

#include <hs/hs_compile.h>

#include <fstream>

#include "scan/engine/hs_pattern.h"

namespace sluice::engine {
namespace {

constexpr std::string_view kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

std::string escape_every_byte(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string regex;
  regex.reserve(bytes.size() * 4);
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    regex += "\\x";
    regex += kDigits[u >> 4];
    regex += kDigits[u & 0xf];
  }
  return regex;
}

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

bool SignatureSet::load_file(const std::string& path, std::string* error) {
  const bool is_ndb = path.ends_with(".ndb");
  if (!is_ndb && !path.ends_with(".hdb") && !path.ends_with(".hsb")) {
    *error = path + ": unsupported signature file (want .ndb, .hdb or .hsb)";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::string raw;
  for (size_t line_number = 1; std::getline(in, raw); ++line_number) {
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    if (raw.size() > limits_.max_line_bytes) {
      *error = where + "line longer than " + std::to_string(limits_.max_line_bytes) + " bytes";
      return false;
    }
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    std::string why;
    const bool ok = is_ndb ? add_ndb_line(line, &why) : add_hash_line(line, &why);
    if (!ok) {
      *error = where + why;
      return false;
    }
  }
  if (in.bad()) {
    *error = path + ": read error";
    return false;
  }
  return true;
}

void SignatureSet::add_builtin_eicar() {
  PatternEntry entry;
  entry.regex = escape_every_byte(kEicar);
  entry.hs_flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
  std::string unused;  // a literal of 68 escaped bytes always compiles
  add_body_pattern("Eicar-Test-Signature", std::move(entry), kAnyContent, &unused);
}

bool SignatureSet::add_rule(std::string name, std::string pattern, RuleScope scope, int score,
                            bool caseless, std::string* error) {
  if (name.empty()) {
    *error = "rule with empty name";
    return false;
  }
  PatternEntry entry;
  entry.regex = std::move(pattern);
  entry.hs_flags = HS_FLAG_SINGLEMATCH | (caseless ? HS_FLAG_CASELESS : 0u);
  std::string why;
  if (!hyperscan_accepts(entry, &why)) {
    *error = "rule '" + name + "': " + why;
    return false;
  }
  entry.rule = static_cast<uint32_t>(rules_.size());
  const RuleKind kind = scope == RuleScope::Header ? RuleKind::HeaderRule : RuleKind::BodyRule;
  rules_.push_back(RuleInfo{std::move(name), kind, score, kAnyContent});
  (scope == RuleScope::Header ? header_patterns_ : stream_patterns_).push_back(std::move(entry));
  ++stats_.rules;
  return true;
}

bool SignatureSet::add_body_pattern(std::string name, PatternEntry entry, ContentMask applies_to,
                                    std::string* error) {
  std::string why;
  if (!hyperscan_accepts(entry, &why)) {
    *error = "signature '" + name + "': " + why;
    return false;
  }
  entry.rule = static_cast<uint32_t>(rules_.size());
  rules_.push_back(RuleInfo{std::move(name), RuleKind::BodySignature, 0, applies_to});
  stream_patterns_.push_back(std::move(entry));
  ++stats_.body;
  return true;
}

}  // namespace sluice::engine
