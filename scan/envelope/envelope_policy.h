// scan/envelope/envelope_policy.h — the envelope checks of one configuration: relay control, sender and
// recipient block/safe lists, client reputation.
//
// Owns: turning `config smtp envelope`, `config reputation settings` and `config reputation list` into
// immutable lookup structures (reputation files are read here, at snapshot build), and the decision and
// reply text for MAIL FROM and RCPT TO. Greylisting needs per-worker state: see greylist.h; this class
// only carries its settings.
// May call: address_list.h, domain_set.h, cidr_list.h, prefix_file.h, client_address.h, decision.h,
// control/policy.h. Built off the workers; every worker reads it concurrently (all methods const, no
// shared mutable state).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/policy.h"
#include "scan/envelope/address_list.h"
#include "scan/envelope/cidr_list.h"
#include "scan/envelope/client_address.h"
#include "scan/envelope/decision.h"
#include "scan/envelope/domain_set.h"

namespace sluice::scan::envelope {

class EnvelopePolicy {
 public:
  // nullptr with *error naming the list, prefix or file at fault ("reputation list 'x': path:3: bad prefix
  // 'y' (host bits set)"), or a greylist whose retry-window cannot be reached after its delay.
  static std::unique_ptr<EnvelopePolicy> build(const control::Policy& policy, std::string* error);

  // At MAIL FROM (sender without <>; "" is the null sender). In order: the sender blocklist
  // (550 5.7.1 "<s>: Sender address rejected: Access denied", rule "sender-blocklist"); then, unless the
  // sender is safelisted, the client's reputation (rule "reputation:<lists>"):
  //   score >= reject-threshold   -> 550 "5.7.1 Client host [ip] rejected: reputation score N (lists a,b)"
  //   score >= tempfail-threshold -> 451 "4.7.1 Client host [ip] rejected: reputation score N (lists a,b)"
  // A client on no list has no score and passes whatever the thresholds.
  EnvelopeDecision check_sender(const ClientAddress& client, std::string_view sender) const;

  // At RCPT TO (recipient without <>). In order: relay control (550 "5.7.1 <r>: Relay access denied", rule
  // "relay-control"; a recipient without a domain is outside every protected domain), then the recipient
  // blocklist (550 "5.7.1 <r>: Recipient address rejected: Access denied", rule "recipient-blocklist").
  EnvelopeDecision check_recipient(std::string_view recipient) const;

  // The sender is on sender-safelist or the recipient on recipient-safelist: the message skips anti-spam
  // (spam rules, reputation, greylisting), never anti-virus.
  bool safelisted(std::string_view sender, std::string_view recipient) const;

  // The summed score of every list holding the client; *matched_lists (when given) gets their names,
  // comma-separated in configuration order ("" when none).
  int reputation_score(const ClientAddress& client, std::string* matched_lists) const;

  const control::GreylistSettings& greylist() const { return greylist_; }

 private:
  struct ScoredList {
    std::string name;
    int score;
    CidrList prefixes;
  };

  DomainSet protected_domains_;
  AddressList sender_blocklist_, sender_safelist_, recipient_blocklist_, recipient_safelist_;
  std::vector<ScoredList> reputation_lists_;
  control::ReputationSettings reputation_;
  control::GreylistSettings greylist_;
};

}  // namespace sluice::scan::envelope
