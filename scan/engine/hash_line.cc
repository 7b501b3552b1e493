// SignatureSet::add_hash_line: one ClamAV hash signature, HashHex:Size:Name[:MinFL[:MaxFL]].
#include "scan/engine/signature_fields.h"
#include "scan/engine/signature_set.h"

namespace sluice::engine {
namespace {

bool hash_kind_for_hex_length(size_t hex_chars, HashKind* kind) {
  switch (hex_chars) {
    case 32: *kind = HashKind::Md5; return true;
    case 40: *kind = HashKind::Sha1; return true;
    case 64: *kind = HashKind::Sha256; return true;
    default: return false;
  }
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_hex(std::string_view hex, uint8_t* out) {
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

size_t digest_bytes(HashKind kind) {
  switch (kind) {
    case HashKind::Md5: return 16;
    case HashKind::Sha1: return 20;
    case HashKind::Sha256: return 32;
  }
  return 0;
}

bool SignatureSet::add_hash_line(std::string_view line, std::string* error) {
  const std::vector<std::string_view> fields = split_fields(line);
  if (fields.size() < 3 || fields.size() > 5) {
    *error = "expected HashHex:Size:Name[:MinFL[:MaxFL]]";
    return false;
  }
  const std::string_view name = fields[2];
  if (name.empty()) {
    *error = "empty signature name";
    return false;
  }
  const std::string prefix = "signature '" + std::string(name) + "': ";
  HashSignature sig{};
  if (!hash_kind_for_hex_length(fields[0].size(), &sig.kind)) {
    *error = prefix + "hash must be 32 (MD5), 40 (SHA-1) or 64 (SHA-256) hex digits";
    return false;
  }
  if (!decode_hex(fields[0], sig.digest.data())) {
    *error = prefix + "hash is not hexadecimal";
    return false;
  }
  sig.any_size = fields[1] == "*";
  if (!sig.any_size && !parse_decimal(fields[1], &sig.size)) {
    *error = prefix + "bad size '" + std::string(fields[1]) + "'";
    return false;
  }
  if (!valid_functionality_levels(fields, 3)) {
    *error = prefix + "bad functionality level";
    return false;
  }
  sig.rule = static_cast<uint32_t>(rules_.size());
  rules_.push_back(RuleInfo{std::string(name), RuleKind::HashSignature, 0, kAnyContent});
  hashes_.push_back(sig);
  ++stats_.hash;
  return true;
}

}  // namespace sluice::engine
