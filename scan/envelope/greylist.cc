// scan/envelope/greylist.cc — the triplet table: open addressing over a fixed entry array, a recency list
// for eviction, lazy expiry.
#include "scan/envelope/greylist.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <random>

#include "scan/envelope/ascii_fold.h"
#include "scan/envelope/siphash.h"

namespace sluice::scan::envelope {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;

uint64_t since(uint64_t now_ns, uint64_t then_ns) { return now_ns > then_ns ? now_ns - then_ns : 0; }

Greylist::Key random_key() {
  std::random_device device;
  const auto word = [&device] { return (static_cast<uint64_t>(device()) << 32) | device(); };
  return {word(), word()};
}

// The first `bits` bits set, counted from the start of `mask`.
void set_leading_bits(std::array<uint8_t, 16>& mask, unsigned bits) {
  for (unsigned bit = 0; bit < bits && bit < 128; ++bit) mask[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
}

// Feeds text lower-cased, through a small buffer: the hash sees the same bytes whatever the case.
void update_folded(SipHasher& hasher, std::string_view text) {
  char buffer[64];
  while (!text.empty()) {
    const size_t n = std::min(text.size(), sizeof buffer);
    for (size_t i = 0; i < n; ++i) buffer[i] = fold(text[i]);
    hasher.update(buffer, n);
    text.remove_prefix(n);
  }
}

}  // namespace

Greylist::Greylist(const control::GreylistSettings& settings) : Greylist(settings, random_key()) {}

Greylist::Greylist(const control::GreylistSettings& settings, Key hash_key)
    : hash_key_(hash_key),
      delay_ns_(settings.delay_s * kNsPerSecond),
      retry_window_ns_(settings.retry_window_s * kNsPerSecond),
      lifetime_ns_(settings.lifetime_s * kNsPerSecond) {
  // IPv4 clients are ::ffff:a.b.c.d: the mapped prefix (96 bits) always counts, then ipv4-prefix bits.
  set_leading_bits(ipv4_mask_, 96 + std::min<uint32_t>(settings.ipv4_prefix, 32));
  set_leading_bits(ipv6_mask_, std::min<uint32_t>(settings.ipv6_prefix, 128));
  if (!settings.enabled || settings.max_entries == 0) return;
  entries_.resize(settings.max_entries);
  for (uint32_t i = 0; i < entries_.size(); ++i) entries_[i].newer = i + 1 < entries_.size() ? i + 1 : kNone;
  free_ = 0;
  // At most half the slots in use keeps linear-probing chains short.
  const uint32_t slots = std::bit_ceil(static_cast<uint32_t>(entries_.size()) * 2);
  slots_.assign(slots, kNone);
  slot_mask_ = slots - 1;
}

uint64_t Greylist::triplet_key(const ClientAddress& client, std::string_view sender,
                               std::string_view recipient) const {
  const std::array<uint8_t, 16>& mask = client.v4 ? ipv4_mask_ : ipv6_mask_;
  uint8_t network[16];
  for (int i = 0; i < 16; ++i) network[i] = client.bytes[i] & mask[i];
  SipHasher hasher(hash_key_[0], hash_key_[1]);
  hasher.update(network, sizeof network);
  // The sender's length keeps ("ab", "c") and ("a", "bc") apart.
  hasher.update_u64(sender.size());
  update_folded(hasher, sender);
  update_folded(hasher, recipient);
  return hasher.finish();
}

bool Greylist::expired(const Entry& entry, uint64_t now_ns) const {
  if (entry.passed) return since(now_ns, entry.last_seen_ns) > lifetime_ns_;
  return since(now_ns, entry.first_seen_ns) > retry_window_ns_;
}

uint32_t Greylist::find_slot(uint64_t key) const {
  uint32_t slot = home(key);
  while (slots_[slot] != kNone && entries_[slots_[slot]].key != key) slot = (slot + 1) & slot_mask_;
  return slot;
}

void Greylist::unlink(uint32_t index) {
  Entry& entry = entries_[index];
  (entry.older == kNone ? oldest_ : entries_[entry.older].newer) = entry.newer;
  (entry.newer == kNone ? newest_ : entries_[entry.newer].older) = entry.older;
}

void Greylist::link_newest(uint32_t index) {
  Entry& entry = entries_[index];
  entry.older = newest_;
  entry.newer = kNone;
  (newest_ == kNone ? oldest_ : entries_[newest_].newer) = index;
  newest_ = index;
}

// Backward-shift deletion: later members of the probe chain move up into the hole, so lookups never need
// tombstones and the table does not degrade with churn.
void Greylist::remove(uint32_t index) {
  uint32_t hole = find_slot(entries_[index].key);
  for (uint32_t next = (hole + 1) & slot_mask_; slots_[next] != kNone; next = (next + 1) & slot_mask_) {
    const uint32_t want = home(entries_[slots_[next]].key);
    // The entry at `next` may fill the hole when the hole lies between its home slot and `next`.
    if (((next - want) & slot_mask_) >= ((next - hole) & slot_mask_)) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = kNone;
  unlink(index);
  entries_[index].newer = free_;
  free_ = index;
  --used_;
}

uint32_t Greylist::insert(uint64_t key, uint32_t slot, uint64_t now_ns) {
  if (free_ == kNone) {
    remove(oldest_);  // full: the least recently seen triplet goes
    slot = find_slot(key);  // removal may have shifted the chain
  }
  const uint32_t index = free_;
  free_ = entries_[index].newer;
  Entry& entry = entries_[index];
  entry.key = key;
  entry.first_seen_ns = now_ns;
  entry.last_seen_ns = now_ns;
  entry.passed = false;
  slots_[slot] = index;
  link_newest(index);
  ++used_;
  return index;
}

void Greylist::refuse(std::string_view recipient, uint64_t wait_ns, EnvelopeDecision* decision) const {
  const uint64_t seconds = std::max<uint64_t>(1, (wait_ns + kNsPerSecond - 1) / kNsPerSecond);
  char digits[24];
  const auto [end, status] = std::to_chars(digits, digits + sizeof digits, seconds);
  decision->refuse = true;
  decision->code = 451;
  decision->rule.assign("greylist");
  decision->reply.assign("4.7.1 <");
  decision->reply.append(recipient);
  decision->reply.append(">: Recipient address rejected: Greylisted, try again in ");
  decision->reply.append(digits, end);
  decision->reply.append(" seconds");
}

void Greylist::check(const ClientAddress& client, std::string_view sender, std::string_view recipient,
                     uint64_t now_ns, EnvelopeDecision* decision) {
  decision->refuse = false;
  decision->code = 0;
  decision->reply.clear();
  decision->rule.clear();
  if (entries_.empty()) return;
  // Bounded housekeeping: forget up to two dead triplets at the old end of the recency list, so dead
  // entries leave without a sweep (others go when looked up, or when evicted as the oldest).
  for (int i = 0; i < 2 && oldest_ != kNone && expired(entries_[oldest_], now_ns); ++i) remove(oldest_);

  const uint64_t key = triplet_key(client, sender, recipient);
  const uint32_t slot = find_slot(key);
  uint32_t index = slots_[slot];
  if (index == kNone) {
    index = insert(key, slot, now_ns);
  } else {
    Entry& entry = entries_[index];
    unlink(index);
    link_newest(index);
    if (expired(entry, now_ns)) {  // a retry too late, or a passed triplet unused too long: start over
      entry.passed = false;
      entry.first_seen_ns = now_ns;
    }
  }
  Entry& entry = entries_[index];
  const uint64_t waited = since(now_ns, entry.first_seen_ns);
  if (!entry.passed && waited < delay_ns_) {
    refuse(recipient, delay_ns_ - waited, decision);
    return;
  }
  entry.passed = true;
  entry.last_seen_ns = now_ns;
}

EnvelopeDecision Greylist::check(const ClientAddress& client, std::string_view sender, std::string_view recipient,
                                 uint64_t now_ns) {
  EnvelopeDecision decision;
  check(client, sender, recipient, now_ns, &decision);
  return decision;
}

}  // namespace sluice::scan::envelope
