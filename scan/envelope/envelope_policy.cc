// scan/envelope/envelope_policy.cc — building the lists, and the replies of MAIL FROM and RCPT TO.
#include "scan/envelope/envelope_policy.h"

#include "scan/envelope/prefix_file.h"

namespace sluice::scan::envelope {
namespace {

EnvelopeDecision refused(int code, std::string reply, std::string rule) {
  return EnvelopeDecision{true, code, std::move(reply), std::move(rule)};
}

}  // namespace

std::unique_ptr<EnvelopePolicy> EnvelopePolicy::build(const control::Policy& policy, std::string* error) {
  auto built = std::make_unique<EnvelopePolicy>();
  const control::EnvelopeSettings& envelope = policy.envelope;
  built->protected_domains_ = DomainSet::build(envelope.protected_domains);
  built->sender_blocklist_ = AddressList::build(envelope.sender_blocklist);
  built->sender_safelist_ = AddressList::build(envelope.sender_safelist);
  built->recipient_blocklist_ = AddressList::build(envelope.recipient_blocklist);
  built->recipient_safelist_ = AddressList::build(envelope.recipient_safelist);
  for (const control::ReputationList& list : policy.reputation_lists) {
    std::vector<std::string> prefixes = list.prefixes;
    std::string why;
    if (!list.file.empty() && !read_prefix_file(list.file, &prefixes, &why)) {
      if (error != nullptr) *error = "reputation list '" + list.name + "': " + why;
      return nullptr;
    }
    std::optional<CidrList> cidrs = CidrList::build(prefixes, &why);
    if (!cidrs) {
      if (error != nullptr) *error = "reputation list '" + list.name + "': " + why;
      return nullptr;
    }
    built->reputation_lists_.push_back(ScoredList{list.name, list.score, std::move(*cidrs)});
  }
  // A window that closes before the delay ends would refuse every triplet forever.
  const control::GreylistSettings& greylist = policy.greylist;
  if (greylist.enabled && greylist.retry_window_s <= greylist.delay_s) {
    if (error != nullptr) {
      *error = "greylist retry-window (" + std::to_string(greylist.retry_window_s) +
               " s) must be longer than its delay (" + std::to_string(greylist.delay_s) + " s)";
    }
    return nullptr;
  }
  built->reputation_ = policy.reputation;
  built->greylist_ = greylist;
  return built;
}

int EnvelopePolicy::reputation_score(const ClientAddress& client, std::string* matched_lists) const {
  int score = 0;
  if (matched_lists != nullptr) matched_lists->clear();
  for (const ScoredList& list : reputation_lists_) {
    if (!list.prefixes.contains(client)) continue;
    score += list.score;
    if (matched_lists != nullptr) {
      if (!matched_lists->empty()) *matched_lists += ',';
      *matched_lists += list.name;
    }
  }
  return score;
}

EnvelopeDecision EnvelopePolicy::check_sender(const ClientAddress& client, std::string_view sender) const {
  if (sender_blocklist_.matches(sender)) {
    return refused(550, "5.7.1 <" + std::string(sender) + ">: Sender address rejected: Access denied",
                   "sender-blocklist");
  }
  if (reputation_lists_.empty() || sender_safelist_.matches(sender)) return {};
  std::string lists;
  const int score = reputation_score(client, &lists);
  if (lists.empty()) return {};  // on no list: no reputation, good or bad
  const bool reject = score >= reputation_.reject_threshold;
  const bool tempfail = !reject && reputation_.tempfail_threshold != 0 && score >= reputation_.tempfail_threshold;
  if (!reject && !tempfail) return {};
  return refused(reject ? 550 : 451,
                 std::string(reject ? "5.7.1" : "4.7.1") + " Client host [" + client.to_string() +
                     "] rejected: reputation score " + std::to_string(score) + " (lists " + lists + ")",
                 "reputation:" + lists);
}

EnvelopeDecision EnvelopePolicy::check_recipient(std::string_view recipient) const {
  if (!protected_domains_.empty() && !protected_domains_.contains(address_domain(recipient))) {
    return refused(550, "5.7.1 <" + std::string(recipient) + ">: Relay access denied", "relay-control");
  }
  if (recipient_blocklist_.matches(recipient)) {
    return refused(550, "5.7.1 <" + std::string(recipient) + ">: Recipient address rejected: Access denied",
                   "recipient-blocklist");
  }
  return {};
}

bool EnvelopePolicy::safelisted(std::string_view sender, std::string_view recipient) const {
  return sender_safelist_.matches(sender) || recipient_safelist_.matches(recipient);
}

}  // namespace sluice::scan::envelope
