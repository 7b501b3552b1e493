// scan/smtp/ehlo_mediation.h — which EHLO capabilities the client is offered (RFC 5321 §4.1.1.1, RFC 1869).
//
// Owns: the allow-list of extensions Sluice honours and the rewrite of the backend's EHLO reply. Calls nothing.
//
// The client may only be promised what the appliance itself can carry: an extension Sluice does not parse
// (BINARYMIME, XCLIENT, XFORWARD, unknown X-words) would let the client send something the relay reads
// differently from the backend, so it is dropped. SIZE is the policy's limit (or the backend's, when the policy
// has none); CHUNKING is offered by policy even when the backend lacks it (the relay translates BDAT);
// STARTTLS is Sluice's own promise: offered when the session's TLS profile can terminate it (whether or not the
// backend has it), never once TLS is active (RFC 3207); the backend's STARTTLS is recorded, never passed on. AUTH
// is hidden before TLS where the profile requires TLS (Postfix's smtpd_tls_auth_only; THREATS ST-11).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::smtp {

struct EhloPolicy {
  uint64_t size_limit = 0;   // 0: pass the backend's SIZE on unchanged
  bool chunking = true;      // offer CHUNKING
};

// What the backend said it supports (read from its EHLO reply): the relay chooses how to send messages with it.
struct BackendCapabilities {
  bool chunking = false;
  bool pipelining = false;
  uint64_t size = 0;         // 0: not announced or no limit
  bool starttls = false;
  void reset() { *this = BackendCapabilities{}; }
};

class EhloMediator {
 public:
  explicit EhloMediator(const EhloPolicy& policy) : policy_(policy) {}
  // Starts a new reply; `first_line` is the greeting text of the backend's first 250 line. offer_starttls:
  // STARTTLS is added; hide_auth: the backend's AUTH is not passed on.
  void begin(std::string_view first_line, bool offer_starttls = false, bool hide_auth = false);
  // One capability line of the backend's reply (the text after "250-" / "250 ").
  void capability(std::string_view line, BackendCapabilities& backend);
  // The reply lines to send, each "250-..."/"250 ..." with CRLF, appended to `out`.
  void finish(std::string& out, const BackendCapabilities& backend);

 private:
  void keep(std::string_view line);

  EhloPolicy policy_;
  std::string lines_[16];    // first line + the kept capabilities (the allow-list is shorter than this)
  uint32_t count_ = 0;
  bool saw_size_ = false;
  bool offer_starttls_ = false;
  bool hide_auth_ = false;
};

// Case-insensitive: does `line` start with keyword `word` followed by the end or a space?
bool is_keyword(std::string_view line, std::string_view word);

}  // namespace sluice::smtp
