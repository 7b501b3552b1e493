#include "scan/engine/stream_digests.h"

#include <openssl/evp.h>

namespace sluice::engine {

StreamDigests::StreamDigests(bool want_md5, bool want_sha1) {
  const bool wanted[3] = {want_md5, want_sha1, true};
  const char* names[3] = {"MD5", "SHA1", "SHA256"};
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!wanted[i]) continue;
    slots_[i].md = EVP_MD_fetch(nullptr, names[i], nullptr);
    slots_[i].ctx = EVP_MD_CTX_new();
    if (slots_[i].md == nullptr || slots_[i].ctx == nullptr) constructed_ = false;
  }
}

StreamDigests::~StreamDigests() {
  for (Slot& slot : slots_) {
    EVP_MD_CTX_free(slot.ctx);
    EVP_MD_free(slot.md);
  }
}

void StreamDigests::begin(const std::array<uint64_t, 3>& limits) {
  ok_ = constructed_;
  bytes_ = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    slot.limit = limits[i];
    slot.live = slot.ctx != nullptr && slot.limit > 0;
    if (!slot.live) continue;
    if (slot.md == nullptr || EVP_DigestInit_ex2(slot.ctx, slot.md, nullptr) != 1) ok_ = false;
  }
}

void StreamDigests::set_limit(HashKind kind, uint64_t limit) {
  Slot& slot = slots_[static_cast<size_t>(kind)];
  slot.limit = limit;
  if (slot.live && bytes_ > limit) slot.live = false;
}

void StreamDigests::update(std::string_view bytes) {
  if (bytes.empty()) return;
  bytes_ += bytes.size();
  for (Slot& slot : slots_) {
    if (!slot.live) continue;
    if (bytes_ > slot.limit) {
      slot.live = false;   // longer than any signature of this kind: nothing left to match
      continue;
    }
    if (EVP_DigestUpdate(slot.ctx, bytes.data(), bytes.size()) != 1) ok_ = false;
  }
}

void StreamDigests::finish() {
  for (Slot& slot : slots_) {
    if (slot.live && EVP_DigestFinal_ex(slot.ctx, slot.digest.data(), nullptr) != 1) ok_ = false;
  }
}

}  // namespace sluice::engine
