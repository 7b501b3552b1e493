#include "scan/engine/stream_scanner.h"

#include <algorithm>
#include <cstring>

#include "scan/engine/database.h"
#include "scan/engine/scratch.h"

namespace sluice::engine {
namespace {

// hs_scan_stream takes an unsigned int length; larger feeds are cut into pieces of this size.
constexpr size_t kMaxScanPiece = size_t{1} << 30;

// Hits are few per stream; this covers the common case without growing during a scan.
constexpr size_t kInitialHitCapacity = 64;

}  // namespace

StreamScanner::StreamScanner(const Database& db, Scratch& scratch)
    : db_(db),
      scratch_(scratch),
      digests_(db.needs_digest(HashKind::Md5), db.needs_digest(HashKind::Sha1)),
      seen_(db.rule_count(), 0) {
  hits_.reserve(std::min<size_t>(kInitialHitCapacity, db.rule_count()));
  if (db.stream_db() != nullptr) {
    stream_ready_ = hs_open_stream(db.stream_db(), 0, &stream_) == HS_SUCCESS;
    if (!stream_ready_) stream_ = nullptr;
  }
}

StreamScanner::~StreamScanner() {
  if (stream_ != nullptr) hs_close_stream(stream_, nullptr, nullptr, nullptr);
}

void StreamScanner::begin(ContentDigest sha256) {
  if (state_ == State::Open && stream_ != nullptr) {
    // Abandoned view: discard its state without reporting its end-of-data matches.
    hs_reset_stream(stream_, 0, nullptr, nullptr, nullptr);
  }
  for (uint32_t id : hits_) seen_[id] = 0;
  hits_.clear();
  head_len_ = 0;
  typed_ = false;
  type_ = ContentType::Unknown;
  bytes_ = 0;
  ok_ = stream_ready_ && scratch_.ok();
  sha256_mode_ = sha256;
  const uint64_t sha256_limit =
      sha256 == ContentDigest::Never ? db_.digest_limit(HashKind::Sha256) : UINT64_MAX;
  digests_.begin({db_.digest_limit(HashKind::Md5), db_.digest_limit(HashKind::Sha1), sha256_limit});
  state_ = State::Open;
}

void StreamScanner::feed(std::string_view bytes) {
  if (state_ != State::Open) {
    ok_ = false;
    return;
  }
  bytes_ += bytes.size();
  digests_.update(bytes);
  if (!typed_) {
    const size_t take = std::min(kSniffBytes - head_len_, bytes.size());
    std::memcpy(head_.data() + head_len_, bytes.data(), take);
    head_len_ += take;
    bytes.remove_prefix(take);
    if (head_len_ < kSniffBytes) return;
    settle_content_type();
  }
  scan(bytes);
}

void StreamScanner::end() {
  if (state_ != State::Open) {
    ok_ = false;
    return;
  }
  if (!typed_) settle_content_type();
  if (stream_ != nullptr &&
      hs_reset_stream(stream_, 0, scratch_.get(), &StreamScanner::on_match, this) != HS_SUCCESS) {
    ok_ = false;
  }
  digests_.finish();
  if (!digests_.ok()) ok_ = false;
  match_hashes();
  state_ = State::Idle;
}

std::string StreamScanner::sha256_hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (!digests_.complete(HashKind::Sha256)) return {};
  const uint8_t* digest = digests_.digest(HashKind::Sha256);
  std::string hex;
  hex.reserve(digest_bytes(HashKind::Sha256) * 2);
  for (size_t i = 0; i < digest_bytes(HashKind::Sha256); ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0xf];
  }
  return hex;
}

int StreamScanner::on_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                            void* context) {
  static_cast<StreamScanner*>(context)->record(id);
  return 0;  // keep scanning: every rule's first hit is wanted
}

void StreamScanner::record(uint32_t id) {
  if (id >= seen_.size() || seen_[id]) return;
  if ((db_.rule(id).applies_to & content_bit(type_)) == 0) return;
  seen_[id] = 1;
  hits_.push_back(id);
}

void StreamScanner::settle_content_type() {
  const std::string_view head(head_.data(), head_len_);
  type_ = sniff_content_type(head);
  typed_ = true;
  if (sha256_mode_ == ContentDigest::IfBinary && !is_binary(type_)) {
    digests_.set_limit(HashKind::Sha256, db_.digest_limit(HashKind::Sha256));
  }
  scan(head);
}

void StreamScanner::scan(std::string_view bytes) {
  if (stream_ == nullptr) return;
  while (!bytes.empty()) {
    const size_t piece = std::min(bytes.size(), kMaxScanPiece);
    if (hs_scan_stream(stream_, bytes.data(), static_cast<unsigned>(piece), 0, scratch_.get(),
                       &StreamScanner::on_match, this) != HS_SUCCESS) {
      ok_ = false;
      return;
    }
    bytes.remove_prefix(piece);
  }
}

// Hash signatures carry no target type: a digest match is a match whatever the content.
void StreamScanner::match_hashes() {
  for (HashKind kind : {HashKind::Md5, HashKind::Sha1, HashKind::Sha256}) {
    if (!db_.needs_digest(kind) || !digests_.complete(kind)) continue;
    for (const HashSignature& sig : db_.hash_candidates(kind, digests_.digest(kind))) {
      if ((sig.any_size || sig.size == bytes_) && !seen_[sig.rule]) {
        seen_[sig.rule] = 1;
        hits_.push_back(sig.rule);
      }
    }
  }
}

}  // namespace sluice::engine
