// Incremental MD5 / SHA-1 / SHA-256 of one stream. Internal to scan/engine.
//
// Owns: one EVP_MD_CTX per digest, allocated once and re-initialised per stream, and the final
// digests. Calls: OpenSSL libcrypto (EVP) only. MD5 and SHA-1 exist only when the database has
// signatures of that kind. Each digest has a byte limit per stream: once the stream is longer, that
// digest stops (no signature of its kind can match a stream that long, and hashing was the largest
// cost of a scan) and is reported incomplete.
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

  // limits: per HashKind, the longest stream that digest is computed for (0 = not at all).
  void begin(const std::array<uint64_t, 3>& limits);
  // Lowers (or raises, while nothing was dropped yet) one digest's limit during a stream.
  void set_limit(HashKind kind, uint64_t limit);
  void update(std::string_view bytes);
  void finish();  // after this, digest() of a complete() kind is valid until the next begin()

  bool wanted(HashKind kind) const { return slots_[static_cast<size_t>(kind)].ctx != nullptr; }
  // The digest covers the whole stream: it was wanted and the stream stayed within its limit.
  bool complete(HashKind kind) const { return slots_[static_cast<size_t>(kind)].live; }
  const uint8_t* digest(HashKind kind) const { return slots_[static_cast<size_t>(kind)].digest.data(); }
  // False when OpenSSL failed in this stream (or at construction); digests are then not to be trusted.
  bool ok() const { return ok_; }

 private:
  struct Slot {
    EVP_MD* md = nullptr;        // fetched once: avoids a provider lookup per stream
    EVP_MD_CTX* ctx = nullptr;   // null when this digest is not wanted
    std::array<uint8_t, kMaxDigestBytes> digest{};
    uint64_t limit = 0;
    bool live = false;           // being computed for the current stream
  };
  std::array<Slot, 3> slots_;  // indexed by HashKind
  uint64_t bytes_ = 0;         // of the current stream
  bool constructed_ = true;    // every wanted context and algorithm was obtained
  bool ok_ = true;             // nothing failed in the current stream
};

}  // namespace sluice::engine
