// scan/smtp/ehlo_mediation.cc — see ehlo_mediation.h.
#include "scan/smtp/ehlo_mediation.h"

#include <charconv>

#include "scan/smtp/command_parser.h"

namespace sluice::smtp {

namespace {

// Extensions whose syntax the relay carries unchanged (parameters are forwarded as sent and the backend checks them).
constexpr std::string_view kPassedOn[] = {"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN",
                                          "SMTPUTF8",   "AUTH",     "VRFY"};

// Lines finish() may add: SIZE, CHUNKING, STARTTLS.
constexpr uint32_t kAddedByRelay = 3;

}  // namespace

bool is_keyword(std::string_view line, std::string_view word) {
  if (line.size() < word.size()) return false;
  if (!equals_ignore_case(line.substr(0, word.size()), word)) return false;
  return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '=';
}

void EhloMediator::begin(std::string_view first_line, bool offer_starttls, bool hide_auth) {
  count_ = 0;
  saw_size_ = false;
  offer_starttls_ = offer_starttls;
  hide_auth_ = hide_auth;
  keep(first_line);
}

void EhloMediator::keep(std::string_view line) {
  if (count_ < std::size(lines_)) lines_[count_++].assign(line);
}

void EhloMediator::capability(std::string_view line, BackendCapabilities& backend) {
  if (is_keyword(line, "CHUNKING")) backend.chunking = true;
  if (is_keyword(line, "PIPELINING")) backend.pipelining = true;
  if (is_keyword(line, "STARTTLS")) {
    backend.starttls = true;
    return;
  }
  if (hide_auth_ && is_keyword(line, "AUTH")) return;
  if (is_keyword(line, "SIZE")) {
    const std::string_view digits = line.size() > 5 ? line.substr(5) : std::string_view{};
    uint64_t size = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), size).ec == std::errc{}) backend.size = size;
    saw_size_ = true;
    return;
  }
  for (std::string_view word : kPassedOn) {
    if (is_keyword(line, word)) {
      // What the relay adds itself (SIZE, CHUNKING, STARTTLS) always finds room, however the backend repeats.
      if (count_ + kAddedByRelay < std::size(lines_)) keep(line);
      return;
    }
  }
}

void EhloMediator::finish(std::string& out, const BackendCapabilities& backend) {
  uint64_t size = policy_.size_limit;
  if (size == 0 || (backend.size != 0 && backend.size < size)) size = backend.size;
  if (size != 0) {
    keep("SIZE " + std::to_string(size));
  } else if (saw_size_) {
    keep("SIZE");
  }
  if (policy_.chunking) keep("CHUNKING");
  if (offer_starttls_) keep("STARTTLS");
  for (uint32_t i = 0; i < count_; ++i) {
    out.append("250");
    out.push_back(i + 1 == count_ ? ' ' : '-');
    out.append(lines_[i]);
    out.append("\r\n");
  }
}

}  // namespace sluice::smtp
