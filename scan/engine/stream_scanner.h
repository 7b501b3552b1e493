// Scanning one decoded byte stream (a MIME view or an archive entry) in Hyperscan streaming mode.
//
// Owns: one open Hyperscan stream, the first-bytes buffer used for content sniffing, the hit
// list of the current stream, and its digests. Calls: Hyperscan's stream API, StreamDigests
// (OpenSSL) and the read-only Database. One scanner per worker core and open view; reused across
// views (begin/end cycles) without reallocating once warmed up.
#pragma once

#include <hs/hs_runtime.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/engine/content_type.h"
#include "scan/engine/stream_digests.h"

namespace sluice::engine {

class Database;
class Scratch;

// Whether a stream's SHA-256 is wanted for the log (hash signatures get the digests they need anyway).
enum class ContentDigest : uint8_t {
  Always,      // attachments: the log carries their SHA-256
  IfBinary,    // bodies: only when the content sniffs as a known binary type (is_binary)
  Never,
};

class StreamScanner {
 public:
  StreamScanner(const Database&, Scratch&);
  ~StreamScanner();
  StreamScanner(const StreamScanner&) = delete;
  StreamScanner& operator=(const StreamScanner&) = delete;

  // Starts a stream. A stream still open (begin without end) is abandoned silently.
  void begin(ContentDigest sha256 = ContentDigest::Always);
  // The first kSniffBytes bytes are held back until the content type is known, so every match
  // is filtered against the stream's sniffed type.
  void feed(std::string_view bytes);
  // Flushes held-back bytes and end-of-data matches, resets the Hyperscan stream for reuse,
  // finishes the digests and adds hash-signature hits.
  void end();

  ContentType content_type() const { return type_; }
  // Rule ids hit in the current/last stream, deduplicated, in first-hit order.
  const std::vector<uint32_t>& hits() const { return hits_; }
  uint64_t bytes() const { return bytes_; }
  std::string sha256_hex() const;  // valid after end(); "" when it was not computed (ContentDigest)
  // False when this stream hit a Hyperscan or OpenSSL error, or feed/end came without begin.
  // Its hits are then incomplete: callers should treat the view as not scanned.
  bool ok() const { return ok_; }

 private:
  enum class State : uint8_t { Idle, Open };

  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* context);
  void record(uint32_t id);
  void settle_content_type();
  void scan(std::string_view bytes);
  void match_hashes();

  const Database& db_;
  Scratch& scratch_;
  hs_stream_t* stream_ = nullptr;  // null when the database has no body patterns
  bool stream_ready_ = true;       // hs_open_stream succeeded (or was not needed)
  StreamDigests digests_;
  std::array<char, kSniffBytes> head_{};
  size_t head_len_ = 0;
  bool typed_ = false;
  ContentDigest sha256_mode_ = ContentDigest::Always;
  ContentType type_ = ContentType::Unknown;
  std::vector<uint32_t> hits_;
  std::vector<uint8_t> seen_;  // per rule id: already in hits_
  uint64_t bytes_ = 0;
  State state_ = State::Idle;
  bool ok_ = true;
};

}  // namespace sluice::engine
