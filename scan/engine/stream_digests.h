// Incremental MD5 / SHA-1 / SHA-256 of one stream. Internal to scan/engine.
//
// Owns: one EVP_MD_CTX per digest, allocated once and re-initialised per stream, and the final
// digests. Calls: OpenSSL libcrypto (EVP) only. SHA-256 is always computed (logs carry it);
// MD5 and SHA-1 only when the database has signatures of that kind.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "scan/engine/signature_set.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_md_st EVP_MD;

namespace sluice::engine {

class StreamDigests {
 public:
  StreamDigests(bool want_md5, bool want_sha1);
  ~StreamDigests();
  StreamDigests(const StreamDigests&) = delete;
  StreamDigests& operator=(const StreamDigests&) = delete;

  void begin();
  void update(std::string_view bytes);
  void finish();  // after this, digest() is valid until the next begin()

  bool wanted(HashKind kind) const { return slots_[static_cast<size_t>(kind)].ctx != nullptr; }
  const uint8_t* digest(HashKind kind) const { return slots_[static_cast<size_t>(kind)].digest.data(); }
  // False when OpenSSL failed in this stream (or at construction); digests are then not to be trusted.
  bool ok() const { return ok_; }

 private:
  struct Slot {
    EVP_MD* md = nullptr;        // fetched once: avoids a provider lookup per stream
    EVP_MD_CTX* ctx = nullptr;   // null when this digest is not wanted
    std::array<uint8_t, kMaxDigestBytes> digest{};
  };
  std::array<Slot, 3> slots_;  // indexed by HashKind
  bool constructed_ = true;    // every wanted context and algorithm was obtained
  bool ok_ = true;             // nothing failed in the current stream
};

}  // namespace sluice::engine
